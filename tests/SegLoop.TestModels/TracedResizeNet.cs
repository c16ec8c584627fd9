using W = SegLoop.TestModels.OnnxProtoWriter;

namespace SegLoop.TestModels;

/// <summary>
/// The two ways a traced U2-Net/IS-Net export sizes its Resize nodes, in a graph small enough to check by hand:
/// "input" 1 x 2 x 8 x 8 -> MaxPool /2 -> Resize to Concat(Slice(Shape(pool), 0, 2), Constant [8, 8]) -> Cast ->
/// Concat with "input" = "features" (1 x 4 x 8 x 8); "features" -> MaxPool /2 -> Resize to the initializer
/// [1, 4, 8, 8] -> Sigmoid = "side". Batch, H and W are fixed, as the exporter leaves them, and value_info holds the
/// traced shapes. On an input constant over each plane every tensor is constant over its planes, so
/// features = [x, x] and side = sigmoid(max(x, x)) per channel whatever the size.
/// </summary>
public static class TracedResizeNet
{
    public const string InputName = "input";
    public const string FeaturesName = "features";
    public const string SideName = "side";
    public const int Side = 8;

    /// <param name="resizeTo">The [H, W] constant the first Resize was traced with (8: consistent with the input).</param>
    /// <param name="firstConsumer">The operator the first Resize's output (after the Cast) feeds: Concat as exported; anything else has no size source.</param>
    public static byte[] Build(long resizeTo = Side, string firstConsumer = "Concat")
    {
        var nodes = new List<byte[]>
        {
            Constant("zero", 0),
            Constant("two", 2),
            W.Node("Constant", "hw", [], ["hw"], W.TensorAttribute("value", W.Int64Tensor("hw", [2], resizeTo, resizeTo))),
            MaxPool("pool", InputName),
            W.Node("Shape", "shape", ["pool"], ["shape"]),
            W.Node("Slice", "nc", ["shape", "zero", "two", "zero"], ["nc"]),
            W.Node("Concat", "sizes", ["nc", "hw"], ["sizes"], W.IntAttribute("axis", 0)),
            W.Node("Resize", "up", ["pool", "", "", "sizes"], ["up"], W.StringAttribute("mode", "linear")),
            W.Node("Cast", "up_cast", ["up"], ["up_cast"], W.IntAttribute("to", W.FloatType)),
            firstConsumer == "Concat"
                ? W.Node("Concat", "cat", ["up_cast", InputName], [FeaturesName], W.IntAttribute("axis", 1))
                : W.Node(firstConsumer, "cat", ["up_cast"], [FeaturesName]),
            MaxPool("pool2", FeaturesName),
            W.Node("Resize", "side_up", ["pool2", "", "", "side_sizes"], ["side_up"], W.StringAttribute("mode", "linear")),
            W.Node("Sigmoid", "side", ["side_up"], [SideName]),
        };
        var channels = firstConsumer == "Concat" ? 4L : 2L;
        var graph = W.Graph("traced_resize", nodes,
            [W.Int64Tensor("side_sizes", [4], 1, channels, Side, Side)],
            [W.FloatValueInfo(InputName, 1L, 2L, (long)Side, (long)Side)],
            [W.FloatValueInfo(FeaturesName, 1L, channels, (long)Side, (long)Side), W.FloatValueInfo(SideName, 1L, channels, (long)Side, (long)Side)],
            [W.FloatValueInfo("pool", 1L, 2L, 4L, 4L), W.FloatValueInfo("up", 1L, 2L, resizeTo, resizeTo),
             W.FloatValueInfo("pool2", 1L, channels, 4L, 4L)]);
        return W.Model(OnnxTestModels.IrVersion, OnnxTestModels.Opset, graph, "segloop-testmodels");
    }

    private static byte[] Constant(string name, long value) =>
        W.Node("Constant", name, [], [name], W.TensorAttribute("value", W.Int64Tensor(name, [1], value)));

    private static byte[] MaxPool(string name, string input) => W.Node("MaxPool", name, [input], [name],
        W.IntsAttribute("kernel_shape", 2, 2), W.IntsAttribute("strides", 2, 2), W.IntAttribute("ceil_mode", 1));
}
