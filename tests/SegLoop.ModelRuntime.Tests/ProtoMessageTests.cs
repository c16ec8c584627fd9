using SegLoop.ModelRuntime.Onnx;
using SegLoop.TestModels;

namespace SegLoop.ModelRuntime.Tests;

public sealed class ProtoMessageTests
{
    [Fact]
    public void ParseThenWrite_AModel_SameBytes()
    {
        // Fields that are not edited are copied verbatim, sub-messages included.
        var model = OnnxTestModels.SaliencyNet(hiddenChannels: 2).Onnx;

        Assert.Equal(model, ProtoMessage.Parse(model).ToByteArray());
    }

    [Fact]
    public void AsInt64s_PackedAndUnpacked_SameValues()
    {
        // Field 7 packed (tag 0x3a, 4 bytes: varints 1, 300 = 0xac 0x02, 5), then field 7 unpacked (tag 0x38) = 9.
        byte[] bytes = [0x3a, 0x04, 0x01, 0xac, 0x02, 0x05, 0x38, 0x09];

        var values = ProtoMessage.Parse(bytes).All(7).SelectMany(f => f.AsInt64s()).ToArray();

        Assert.Equal([1L, 300L, 5L, 9L], values);
    }

    [Fact]
    public void Parse_Truncated_Refuses() =>
        Assert.Throws<InvalidDataException>(() => ProtoMessage.Parse(new byte[] { 0x3a, 0x05, 0x01 }));
}
