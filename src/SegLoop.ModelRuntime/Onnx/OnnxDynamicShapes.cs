using System.Buffers.Binary;
using System.Globalization;

namespace SegLoop.ModelRuntime.Onnx;

/// <summary>What <see cref="OnnxDynamicShapes.MakeDynamic"/> did to a graph.</summary>
/// <param name="Model">The rewritten ModelProto.</param>
/// <param name="TracedHeight">The input height the graph was traced at.</param>
/// <param name="TracedWidth">The input width the graph was traced at.</param>
/// <param name="ResizesRewritten">Resize nodes whose output size now comes from the tensor they are matched to.</param>
public sealed record DynamicShapesResult(byte[] Model, long TracedHeight, long TracedWidth, int ResizesRewritten);

/// <summary>
/// Makes a U-Net-like ONNX graph exported at one input size (U2-Net, IS-Net) run at any batch, height and width.
/// Such exports fix the batch at 1 and give every Resize its output [H, W] as a constant traced at the export size,
/// either the whole <c>sizes</c> [N, C, H, W] as an initializer or <c>Concat(Slice(Shape(x), 0, 2), [H, W])</c>.
/// Each of those constants becomes <c>Slice(Shape(t), 2, 4)</c>, where t is the tensor the Resize output is
/// concatenated with or added to (the graph input when it goes to a Sigmoid or a graph output, as side outputs do),
/// which is what the exporter traced (<c>F.interpolate(src, size=tar.shape[2:])</c>). The input's N, H, W and the
/// outputs' become symbolic and the traced value_info is dropped. Everything else is copied byte for byte.
/// </summary>
public static class OnnxDynamicShapes
{
    // onnx.proto field numbers.
    private const int ModelGraph = 7;
    private const int GraphNode = 1, GraphInitializer = 5, GraphInput = 11, GraphOutput = 12, GraphValueInfo = 13;
    private const int NodeInput = 1, NodeOutput = 2, NodeName = 3, NodeOpType = 4, NodeAttribute = 5;
    private const int AttributeName = 1, AttributeInt = 3, AttributeTensor = 5, AttributeType = 20;
    private const int AttributeTypeInt = 2;
    private const int TensorDims = 1, TensorDataType = 2, TensorInt64Data = 7, TensorName = 8, TensorRawData = 9;
    private const int TensorInt64Type = 7;
    private const int ValueInfoName = 1, ValueInfoType = 2, TypeTensor = 1, TypeTensorShape = 2, ShapeDim = 1;
    private const int DimValue = 1, DimParam = 2;

    public const string BatchDim = "batch", HeightDim = "height", WidthDim = "width";

    private const string Prefix = "segloop_dynamic/";

    /// <summary>Rewrites <paramref name="model"/>; throws <see cref="InvalidDataException"/> when the graph does not have the expected shape.</summary>
    public static DynamicShapesResult MakeDynamic(ReadOnlyMemory<byte> model)
    {
        var modelMessage = ProtoMessage.Parse(model);
        var graphIndex = modelMessage.Fields.FindIndex(f => f.Number == ModelGraph);
        if (graphIndex < 0)
            throw new InvalidDataException("the ONNX model has no graph.");
        var graph = modelMessage.Fields[graphIndex].AsMessage();

        var nodes = graph.All(GraphNode).Select(f => f.AsMessage()).ToList();
        var initializers = graph.All(GraphInitializer).Select(f => (Field: f, Message: f.AsMessage()))
            .ToDictionary(i => i.Message.String(TensorName) ?? "", i => i.Message, StringComparer.Ordinal);
        var inputs = graph.All(GraphInput).Select(f => f.AsMessage()).ToList();
        var imageInput = inputs.FirstOrDefault(i => !initializers.ContainsKey(i.String(ValueInfoName) ?? ""))
                         ?? throw new InvalidDataException("the graph has no input that is not an initializer.");
        var inputName = imageInput.String(ValueInfoName)!;
        var inputDims = Dims(imageInput);
        if (inputDims.Count != 4 || inputDims[2] is not long height || inputDims[3] is not long width)
            throw new InvalidDataException($"input {inputName} is not NCHW with a fixed H and W ({Describe(inputDims)}).");
        var traced = TracedShapes(graph);
        traced[inputName] = inputDims;

        var producers = new Dictionary<string, ProtoMessage>(StringComparer.Ordinal);
        foreach (var node in nodes)
            foreach (var output in node.Strings(NodeOutput))
                producers[output] = node;
        var consumers = nodes.SelectMany(n => n.Strings(NodeInput).Select(i => (Input: i, Node: n))).ToLookup(p => p.Input, p => p.Node, StringComparer.Ordinal);
        var graphOutputs = graph.All(GraphOutput).Select(f => f.AsMessage().String(ValueInfoName)!).ToHashSet(StringComparer.Ordinal);

        var added = new List<ProtoMessage>();
        var newInitializers = new List<ProtoMessage>();
        var spatialOf = new Dictionary<string, string>(StringComparer.Ordinal);
        var disconnected = new HashSet<string>(StringComparer.Ordinal);
        var rewritten = 0;

        string Int64Constant(long value)
        {
            var name = Prefix + "const_" + value.ToString(CultureInfo.InvariantCulture);
            if (!newInitializers.Any(i => i.String(TensorName) == name))
                newInitializers.Add(Int64Tensor(name, [value]));
            return name;
        }

        string ShapeSlice(string tensor, long start, long end)
        {
            var shape = Prefix + tensor + "/shape";
            if (!added.Any(n => n.Strings(NodeOutput).Contains(shape)))
                added.Add(Node("Shape", shape, [tensor], shape));
            var slice = $"{Prefix}{tensor}/shape[{start}:{end}]";
            if (!added.Any(n => n.Strings(NodeOutput).Contains(slice)))
                added.Add(Node("Slice", slice, [shape, Int64Constant(start), Int64Constant(end), Int64Constant(0)], slice));
            return slice;
        }

        foreach (var resize in nodes.Where(n => n.String(NodeOpType) == "Resize").ToList())
        {
            var resizeInputs = resize.Strings(NodeInput).ToList();
            if (resizeInputs.Count < 4 || resizeInputs[3].Length == 0)
                continue; // scales, not sizes: already size-independent
            var sizes = resizeInputs[3];
            var resizeName = resize.String(NodeName) ?? resize.Strings(NodeOutput).First();
            var target = Target(resize.Strings(NodeOutput).First(), consumers, graphOutputs, inputName)
                         ?? throw new InvalidDataException($"Resize {resizeName}: cannot tell which tensor its output size was traced from.");
            string Spatial() => spatialOf.TryGetValue(target, out var s) ? s : spatialOf[target] = ShapeSlice(target, 2, 4);

            if (ConstantInt64s(sizes, initializers, producers) is { Length: 4 } whole)
            {
                // sizes = [N, C, H, W] folded into one constant: N, C from the Resize input, H, W from the target.
                Check(resizeName, target, traced, whole[2..]);
                var concat = Prefix + resizeName + "/sizes";
                added.Add(Node("Concat", concat, [ShapeSlice(resizeInputs[0], 0, 2), Spatial()], concat,
                    IntAttribute("axis", 0)));
                SetInput(resize, 3, concat);
                disconnected.Add(sizes);
                rewritten++;
            }
            else if (producers.TryGetValue(sizes, out var sizesNode) && sizesNode.String(NodeOpType) == "Concat"
                     && sizesNode.Strings(NodeInput).ToList() is { Count: 2 } parts
                     && ConstantInt64s(parts[1], initializers, producers) is { Length: 2 } hw)
            {
                // sizes = Concat(Slice(Shape(x), 0, 2), [H, W]): only the [H, W] constant changes.
                Check(resizeName, target, traced, hw);
                SetInput(sizesNode, 1, Spatial());
                disconnected.Add(parts[1]);
                rewritten++;
            }
        }

        // Constants this left unused go, so the runtime does not warn about them.
        var stillUsed = nodes.Concat(added).SelectMany(n => n.Strings(NodeInput)).Concat(graphOutputs).ToHashSet(StringComparer.Ordinal);
        var unused = disconnected.Where(d => !stillUsed.Contains(d)).ToHashSet(StringComparer.Ordinal);
        nodes.RemoveAll(n => n.String(NodeOpType) == "Constant" && n.Strings(NodeOutput).All(unused.Contains));
        var keptInitializers = graph.All(GraphInitializer).Where(f => !unused.Contains(f.AsMessage().String(TensorName) ?? "")).ToList();

        graph.ReplaceAll(GraphNode, TopologicalOrder(nodes.Concat(added).ToList(), initializers.Keys.Concat(newInitializers.Select(i => i.String(TensorName)!)),
            inputs.Select(i => i.String(ValueInfoName)!)).Select(n => ProtoField.OfMessage(GraphNode, n)));
        graph.ReplaceAll(GraphInitializer, keptInitializers.Concat(newInitializers.Select(i => ProtoField.OfMessage(GraphInitializer, i))));
        graph.ReplaceAll(GraphInput, graph.All(GraphInput).Select(f =>
            f.AsMessage().String(ValueInfoName) == inputName ? ProtoField.OfMessage(GraphInput, Symbolic(f.AsMessage(), height, width)) : f).ToList());
        graph.ReplaceAll(GraphOutput, graph.All(GraphOutput).Select(f => ProtoField.OfMessage(GraphOutput, Symbolic(f.AsMessage(), height, width))).ToList());
        graph.RemoveAll(GraphValueInfo);
        modelMessage.Fields[graphIndex] = ProtoField.OfMessage(ModelGraph, graph);
        return new DynamicShapesResult(modelMessage.ToByteArray(), height, width, rewritten);
    }

    /// <summary>
    /// The tensor a Resize output was sized after: following single-consumer Casts, the other operand of the Concat,
    /// Add or Mul it meets; the graph input when it reaches a Sigmoid or a graph output (U2-Net's side outputs).
    /// </summary>
    private static string? Target(string output, ILookup<string, ProtoMessage> consumers, HashSet<string> graphOutputs, string inputName)
    {
        for (var hops = 0; hops < 8; hops++)
        {
            if (graphOutputs.Contains(output))
                return inputName;
            var next = consumers[output].ToList();
            if (next.Count != 1)
                return null;
            var node = next[0];
            switch (node.String(NodeOpType))
            {
                case "Cast":
                    output = node.Strings(NodeOutput).First();
                    continue;
                case "Sigmoid":
                    return inputName;
                case "Concat" or "Add" or "Mul":
                    var current = output;
                    return node.Strings(NodeInput).FirstOrDefault(i => i != current && i.Length > 0);
                default:
                    return null;
            }
        }
        return null;
    }

    /// <summary>When the graph's value_info gives the target's traced shape, the constant must be its H, W.</summary>
    private static void Check(string resizeName, string target, Dictionary<string, IReadOnlyList<object?>> traced, long[] hw)
    {
        if (traced.TryGetValue(target, out var dims) && dims.Count == 4 && dims[2] is long h && dims[3] is long w && (h != hw[0] || w != hw[1]))
            throw new InvalidDataException($"Resize {resizeName} outputs [{hw[0]}, {hw[1]}] but the tensor it meets, {target}, is [{h}, {w}]; not the traced pattern.");
    }

    private static long[]? ConstantInt64s(string name, Dictionary<string, ProtoMessage> initializers, Dictionary<string, ProtoMessage> producers)
    {
        if (initializers.TryGetValue(name, out var tensor))
            return Int64Values(tensor);
        if (producers.TryGetValue(name, out var node) && node.String(NodeOpType) == "Constant")
        {
            var value = node.All(NodeAttribute).Select(a => a.AsMessage()).FirstOrDefault(a => a.String(AttributeName) == "value");
            return value?.First(AttributeTensor) is { } t ? Int64Values(t.AsMessage()) : null;
        }
        return null;
    }

    private static long[]? Int64Values(ProtoMessage tensor)
    {
        if (tensor.First(TensorDataType)?.AsInt64() != TensorInt64Type)
            return null;
        if (tensor.First(TensorRawData) is { } raw)
        {
            var bytes = raw.Bytes.Span;
            var values = new long[bytes.Length / sizeof(long)];
            for (var i = 0; i < values.Length; i++)
                values[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes[(i * sizeof(long))..]);
            return values;
        }
        return [.. tensor.All(TensorInt64Data).SelectMany(f => f.AsInt64s())];
    }

    private static Dictionary<string, IReadOnlyList<object?>> TracedShapes(ProtoMessage graph) =>
        graph.All(GraphValueInfo).Concat(graph.All(GraphOutput)).Select(f => f.AsMessage())
            .GroupBy(v => v.String(ValueInfoName) ?? "", StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => Dims(g.First()), StringComparer.Ordinal);

    /// <summary>Each dimension of a tensor ValueInfo: a long (fixed), a string (symbolic) or null (unknown).</summary>
    private static IReadOnlyList<object?> Dims(ProtoMessage valueInfo)
    {
        var shape = valueInfo.First(ValueInfoType)?.AsMessage().First(TypeTensor)?.AsMessage().First(TypeTensorShape)?.AsMessage();
        if (shape is null)
            return [];
        return shape.All(ShapeDim).Select(d => d.AsMessage()).Select(d =>
            d.First(DimValue) is { } v ? v.AsInt64() : d.First(DimParam) is { } p ? (object?)p.AsString() : null).ToList();
    }

    /// <summary>
    /// Batch becomes "batch"; an H, W equal to the traced input's become "height", "width"; other H, W (feature maps at
    /// a fraction of the input) become unknown. Channels stay.
    /// </summary>
    private static ProtoMessage Symbolic(ProtoMessage valueInfo, long height, long width)
    {
        var typeField = valueInfo.First(ValueInfoType);
        var type = typeField?.AsMessage();
        var tensorField = type?.First(TypeTensor);
        var tensor = tensorField?.AsMessage();
        var shapeField = tensor?.First(TypeTensorShape);
        if (shapeField is null)
            return valueInfo;
        var shape = shapeField.AsMessage();
        var dims = shape.All(ShapeDim).ToList();
        if (dims.Count != 4)
            return valueInfo;
        var fixedHw = dims[2].AsMessage().First(DimValue)?.AsInt64() == height && dims[3].AsMessage().First(DimValue)?.AsInt64() == width;
        ProtoField Dim(string? param)
        {
            var dim = new ProtoMessage();
            if (param is not null)
                dim.Add(ProtoField.OfString(DimParam, param));
            return ProtoField.OfMessage(ShapeDim, dim);
        }
        shape.ReplaceAll(ShapeDim, [Dim(BatchDim), dims[1], Dim(fixedHw ? HeightDim : null), Dim(fixedHw ? WidthDim : null)]);
        Replace(tensor!, shapeField, ProtoField.OfMessage(TypeTensorShape, shape));
        Replace(type!, tensorField!, ProtoField.OfMessage(TypeTensor, tensor!));
        Replace(valueInfo, typeField!, ProtoField.OfMessage(ValueInfoType, type!));
        return valueInfo;
    }

    private static void Replace(ProtoMessage message, ProtoField old, ProtoField replacement) =>
        message.Fields[message.Fields.IndexOf(old)] = replacement;

    private static void SetInput(ProtoMessage node, int index, string name)
    {
        var inputFields = node.Fields.Select((f, i) => (f, i)).Where(p => p.f.Number == NodeInput).ToList();
        node.Fields[inputFields[index].i] = ProtoField.OfString(NodeInput, name);
    }

    /// <summary>Kahn's order, stable: a node stays where it was unless an input it needs comes later.</summary>
    private static List<ProtoMessage> TopologicalOrder(List<ProtoMessage> nodes, IEnumerable<string> initializers, IEnumerable<string> inputs)
    {
        var available = new HashSet<string>(initializers.Concat(inputs).Append(""), StringComparer.Ordinal);
        var pending = nodes.Select(n => (Node: n, Inputs: n.Strings(NodeInput).ToList())).ToList();
        var ordered = new List<ProtoMessage>(nodes.Count);
        while (pending.Count > 0)
        {
            var index = pending.FindIndex(p => p.Inputs.All(available.Contains));
            if (index < 0)
                throw new InvalidDataException($"the graph has a cycle or a missing input at node {pending[0].Node.String(NodeName)}.");
            var (node, _) = pending[index];
            pending.RemoveAt(index);
            ordered.Add(node);
            foreach (var output in node.Strings(NodeOutput))
                available.Add(output);
        }
        return ordered;
    }

    private static ProtoMessage Node(string opType, string name, string[] inputs, string output, params ProtoMessage[] attributes)
    {
        var node = new ProtoMessage();
        foreach (var input in inputs)
            node.Add(ProtoField.OfString(NodeInput, input));
        node.Add(ProtoField.OfString(NodeOutput, output));
        node.Add(ProtoField.OfString(NodeName, name));
        node.Add(ProtoField.OfString(NodeOpType, opType));
        foreach (var attribute in attributes)
            node.Add(ProtoField.OfMessage(NodeAttribute, attribute));
        return node;
    }

    private static ProtoMessage IntAttribute(string name, long value)
    {
        var attribute = new ProtoMessage();
        attribute.Add(ProtoField.OfString(AttributeName, name));
        attribute.Add(ProtoField.OfInt64(AttributeInt, value));
        attribute.Add(ProtoField.OfInt64(AttributeType, AttributeTypeInt));
        return attribute;
    }

    private static ProtoMessage Int64Tensor(string name, long[] values)
    {
        var tensor = new ProtoMessage();
        tensor.Add(ProtoField.OfInt64(TensorDims, values.Length));
        tensor.Add(ProtoField.OfInt64(TensorDataType, TensorInt64Type));
        tensor.Add(ProtoField.OfString(TensorName, name));
        var raw = new byte[values.Length * sizeof(long)];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * sizeof(long)), values[i]);
        tensor.Add(ProtoField.OfBytes(TensorRawData, raw));
        return tensor;
    }

    private static string Describe(IReadOnlyList<object?> dims) => "[" + string.Join(", ", dims.Select(d => d?.ToString() ?? "?")) + "]";
}
