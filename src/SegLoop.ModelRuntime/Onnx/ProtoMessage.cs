using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;

namespace SegLoop.ModelRuntime.Onnx;

/// <summary>
/// A protobuf message as its fields, in order, without a schema: what we do not edit is copied back byte for byte
/// (unknown fields, packed arrays, tensors' raw data), so a reader of a real ModelProto needs only the field numbers
/// of what it changes. Length-delimited fields are slices of the parsed buffer, never copies.
/// </summary>
internal sealed class ProtoMessage
{
    public List<ProtoField> Fields { get; } = [];

    public static ProtoMessage Parse(ReadOnlyMemory<byte> bytes)
    {
        var message = new ProtoMessage();
        var span = bytes.Span;
        var position = 0;
        while (position < span.Length)
        {
            var tag = ReadVarint(span, ref position);
            var number = checked((int)(tag >> 3));
            var wireType = (WireFormat.WireType)(tag & 7);
            if (number == 0)
                throw new InvalidDataException($"protobuf field number 0 at byte {position}: not a protobuf message.");
            switch (wireType)
            {
                case WireFormat.WireType.Varint:
                    message.Fields.Add(ProtoField.OfVarint(number, ReadVarint(span, ref position)));
                    break;
                case WireFormat.WireType.Fixed64:
                    Need(span, position, 8);
                    message.Fields.Add(new ProtoField(number, wireType, BinaryPrimitives.ReadUInt64LittleEndian(span[position..]), default, null));
                    position += 8;
                    break;
                case WireFormat.WireType.Fixed32:
                    Need(span, position, 4);
                    message.Fields.Add(new ProtoField(number, wireType, BinaryPrimitives.ReadUInt32LittleEndian(span[position..]), default, null));
                    position += 4;
                    break;
                case WireFormat.WireType.LengthDelimited:
                    var length = checked((int)ReadVarint(span, ref position));
                    Need(span, position, length);
                    message.Fields.Add(new ProtoField(number, wireType, 0, bytes.Slice(position, length), null));
                    position += length;
                    break;
                default:
                    throw new InvalidDataException($"protobuf wire type {(int)wireType} (field {number}) is not supported (groups are not used by ONNX).");
            }
        }
        return message;
    }

    public IEnumerable<ProtoField> All(int number) => Fields.Where(f => f.Number == number);

    public ProtoField? First(int number) => Fields.FirstOrDefault(f => f.Number == number);

    public string? String(int number) => First(number) is { } field ? field.AsString() : null;

    public IEnumerable<string> Strings(int number) => All(number).Select(f => f.AsString());

    public void Add(ProtoField field) => Fields.Add(field);

    public void RemoveAll(int number) => Fields.RemoveAll(f => f.Number == number);

    /// <summary>Replaces the fields numbered <paramref name="number"/> by <paramref name="values"/>, where the first of them was.</summary>
    public void ReplaceAll(int number, IEnumerable<ProtoField> values)
    {
        var index = Fields.FindIndex(f => f.Number == number);
        Fields.RemoveAll(f => f.Number == number);
        Fields.InsertRange(index < 0 ? Fields.Count : index, values);
    }

    public byte[] ToByteArray()
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        WriteTo(output);
        output.Flush();
        return buffer.ToArray();
    }

    private void WriteTo(CodedOutputStream output)
    {
        foreach (var field in Fields)
        {
            output.WriteTag(field.Number, field.WireType);
            switch (field.WireType)
            {
                case WireFormat.WireType.Varint: output.WriteUInt64(field.Value); break;
                case WireFormat.WireType.Fixed64: output.WriteFixed64(field.Value); break;
                case WireFormat.WireType.Fixed32: output.WriteFixed32((uint)field.Value); break;
                default:
                    var bytes = field.Message is { } message ? message.ToByteArray() : field.Bytes;
                    output.WriteBytes(UnsafeByteOperations.UnsafeWrap(bytes));
                    break;
            }
        }
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            Need(span, position, 1);
            var b = span[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
                return value;
        }
        throw new InvalidDataException($"protobuf varint longer than 10 bytes at byte {position}.");
    }

    private static void Need(ReadOnlySpan<byte> span, int position, int count)
    {
        if (count < 0 || position > span.Length - count)
            throw new InvalidDataException($"protobuf message truncated: {count} bytes needed at byte {position} of {span.Length}.");
    }
}

/// <summary>
/// One field: a varint or fixed value in <see cref="Value"/>, or length-delimited <see cref="Bytes"/>; an edited
/// sub-message in <see cref="Message"/> is written instead of the bytes it was parsed from.
/// </summary>
internal sealed record ProtoField(int Number, WireFormat.WireType WireType, ulong Value, ReadOnlyMemory<byte> Bytes, ProtoMessage? Message)
{
    public static ProtoField OfVarint(int number, ulong value) => new(number, WireFormat.WireType.Varint, value, default, null);

    public static ProtoField OfInt64(int number, long value) => OfVarint(number, unchecked((ulong)value));

    public static ProtoField OfString(int number, string value) => OfBytes(number, Encoding.UTF8.GetBytes(value));

    public static ProtoField OfBytes(int number, ReadOnlyMemory<byte> value) => new(number, WireFormat.WireType.LengthDelimited, 0, value, null);

    public static ProtoField OfMessage(int number, ProtoMessage message) => new(number, WireFormat.WireType.LengthDelimited, 0, default, message);

    public long AsInt64() => WireType == WireFormat.WireType.Varint
        ? unchecked((long)Value)
        : throw new InvalidDataException($"protobuf field {Number} is not a varint.");

    public string AsString() => WireType == WireFormat.WireType.LengthDelimited && Message is null
        ? Encoding.UTF8.GetString(Bytes.Span)
        : throw new InvalidDataException($"protobuf field {Number} is not a string.");

    /// <summary>The sub-message: the edited one, or the bytes parsed (each call parses again: keep the result to edit it).</summary>
    public ProtoMessage AsMessage() => Message ?? (WireType == WireFormat.WireType.LengthDelimited
        ? ProtoMessage.Parse(Bytes)
        : throw new InvalidDataException($"protobuf field {Number} is not a message."));

    /// <summary>A repeated int64 field's values from this entry: one value, or a packed run.</summary>
    public IEnumerable<long> AsInt64s()
    {
        if (WireType == WireFormat.WireType.Varint)
            return [AsInt64()];
        var packed = ProtoMessage.Parse(PackedAsFields(Bytes));
        return packed.Fields.Select(f => f.AsInt64());
    }

    // A packed varint run re-read as fields numbered 1: each value is prefixed with tag 0x08.
    private static byte[] PackedAsFields(ReadOnlyMemory<byte> packed)
    {
        var span = packed.Span;
        var result = new List<byte>(span.Length * 2);
        var start = true;
        foreach (var b in span)
        {
            if (start)
                result.Add(0x08);
            result.Add(b);
            start = b < 0x80;
        }
        return [.. result];
    }
}
