using Google.Protobuf;

namespace SegLoop.TestModels;

/// <summary>
/// Just enough of onnx.proto (onnx/onnx, proto2) written by hand with <see cref="CodedOutputStream"/>: the field
/// numbers below are the ones in onnx.proto. Each message is serialised to bytes, then embedded length-delimited.
/// </summary>
internal static class OnnxProtoWriter
{
    // TensorProto.DataType.FLOAT and TensorProto.DataType enum in onnx.proto
    public const int FloatType = 1;
    public const int Int64Type = 7;

    // AttributeProto.AttributeType
    private const int AttributeFloat = 1;
    private const int AttributeInt = 2;
    private const int AttributeString = 3;
    private const int AttributeTensor = 4;
    private const int AttributeInts = 7;

    /// <summary>ModelProto: ir_version = 1, producer_name = 2, graph = 7, opset_import = 8.</summary>
    public static byte[] Model(long irVersion, long opset, byte[] graph, string producer) => Build(s =>
    {
        WriteInt64(s, 1, irVersion);
        WriteString(s, 2, producer);
        WriteMessage(s, 7, graph);
        // OperatorSetIdProto: domain = 1 (empty: the default ONNX domain), version = 2
        WriteMessage(s, 8, Build(o => WriteInt64(o, 2, opset)));
    });

    /// <summary>GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12, value_info = 13 (traced shapes, as exporters write them).</summary>
    public static byte[] Graph(string name, IEnumerable<byte[]> nodes, IEnumerable<byte[]> initializers,
        IEnumerable<byte[]> inputs, IEnumerable<byte[]> outputs, IEnumerable<byte[]>? valueInfos = null) => Build(s =>
    {
        foreach (var node in nodes)
            WriteMessage(s, 1, node);
        WriteString(s, 2, name);
        foreach (var initializer in initializers)
            WriteMessage(s, 5, initializer);
        foreach (var input in inputs)
            WriteMessage(s, 11, input);
        foreach (var output in outputs)
            WriteMessage(s, 12, output);
        foreach (var valueInfo in valueInfos ?? [])
            WriteMessage(s, 13, valueInfo);
    });

    /// <summary>NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5.</summary>
    public static byte[] Node(string opType, string name, string[] inputs, string[] outputs, params byte[][] attributes) => Build(s =>
    {
        foreach (var input in inputs)
            WriteString(s, 1, input);
        foreach (var output in outputs)
            WriteString(s, 2, output);
        WriteString(s, 3, name);
        WriteString(s, 4, opType);
        foreach (var attribute in attributes)
            WriteMessage(s, 5, attribute);
    });

    /// <summary>AttributeProto with ints: name = 1, ints = 8 (repeated int64, unpacked in proto2), type = 20.</summary>
    public static byte[] IntsAttribute(string name, params long[] values) => Build(s =>
    {
        WriteString(s, 1, name);
        foreach (var value in values)
            WriteInt64(s, 8, value);
        WriteInt64(s, 20, AttributeInts);
    });

    /// <summary>AttributeProto with an int: name = 1, i = 3, type = 20.</summary>
    public static byte[] IntAttribute(string name, long value) => Build(s =>
    {
        WriteString(s, 1, name);
        WriteInt64(s, 3, value);
        WriteInt64(s, 20, AttributeInt);
    });

    /// <summary>AttributeProto with a string: name = 1, s = 4 (bytes, UTF-8), type = 20.</summary>
    public static byte[] StringAttribute(string name, string value) => Build(s =>
    {
        WriteString(s, 1, name);
        WriteString(s, 4, value);
        WriteInt64(s, 20, AttributeString);
    });

    /// <summary>AttributeProto with a float: name = 1, f = 2, type = 20.</summary>
    public static byte[] FloatAttribute(string name, float value) => Build(s =>
    {
        WriteString(s, 1, name);
        s.WriteTag(2, WireFormat.WireType.Fixed32);
        s.WriteFloat(value);
        WriteInt64(s, 20, AttributeFloat);
    });

    /// <summary>AttributeProto with a tensor: name = 1, t = 5, type = 20 (TENSOR = 4).</summary>
    public static byte[] TensorAttribute(string name, byte[] tensor) => Build(s =>
    {
        WriteString(s, 1, name);
        WriteMessage(s, 5, tensor);
        WriteInt64(s, 20, AttributeTensor);
    });

    /// <summary>TensorProto of int64 (data_type 7) with int64_data = 7, unpacked, as some exporters write it.</summary>
    public static byte[] Int64Tensor(string name, long[] dims, params long[] values) => Build(s =>
    {
        foreach (var dim in dims)
            WriteInt64(s, 1, dim);
        WriteInt64(s, 2, Int64Type);
        foreach (var value in values)
            WriteInt64(s, 7, value);
        WriteString(s, 8, name);
    });

    /// <summary>TensorProto of floats: dims = 1, data_type = 2, name = 8, raw_data = 9 (little-endian IEEE 754).</summary>
    public static byte[] FloatTensor(string name, long[] dims, ReadOnlySpan<float> values)
    {
        var raw = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * sizeof(float)), values[i]);
        return Build(s =>
        {
            foreach (var dim in dims)
                WriteInt64(s, 1, dim);
            WriteInt64(s, 2, FloatType);
            WriteString(s, 8, name);
            s.WriteTag(9, WireFormat.WireType.LengthDelimited);
            s.WriteBytes(ByteString.CopyFrom(raw));
        });
    }

    /// <summary>
    /// ValueInfoProto (name = 1, type = 2) of a float tensor. TypeProto: tensor_type = 1; TypeProto.Tensor:
    /// elem_type = 1, shape = 2; TensorShapeProto: dim = 1; Dimension: dim_value = 1, dim_param = 2.
    /// A dimension given as a string is symbolic (dynamic); a long is fixed.
    /// </summary>
    public static byte[] FloatValueInfo(string name, params object[] dims)
    {
        var shape = Build(s =>
        {
            foreach (var dim in dims)
            {
                WriteMessage(s, 1, Build(d =>
                {
                    switch (dim)
                    {
                        case string param: WriteString(d, 2, param); break;
                        case long value: WriteInt64(d, 1, value); break;
                        case int value: WriteInt64(d, 1, value); break;
                        default: throw new ArgumentException($"dimension {dim} is neither a name nor a number", nameof(dims));
                    }
                }));
            }
        });
        var tensor = Build(t =>
        {
            WriteInt64(t, 1, FloatType);
            WriteMessage(t, 2, shape);
        });
        var type = Build(t => WriteMessage(t, 1, tensor));
        return Build(s =>
        {
            WriteString(s, 1, name);
            WriteMessage(s, 2, type);
        });
    }

    private static byte[] Build(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        var stream = new CodedOutputStream(buffer);
        write(stream);
        stream.Flush();
        return buffer.ToArray();
    }

    private static void WriteMessage(CodedOutputStream s, int field, byte[] body)
    {
        s.WriteTag(field, WireFormat.WireType.LengthDelimited);
        s.WriteBytes(ByteString.CopyFrom(body));
    }

    private static void WriteString(CodedOutputStream s, int field, string value)
    {
        s.WriteTag(field, WireFormat.WireType.LengthDelimited);
        s.WriteString(value);
    }

    private static void WriteInt64(CodedOutputStream s, int field, long value)
    {
        s.WriteTag(field, WireFormat.WireType.Varint);
        s.WriteInt64(value);
    }
}
