using System.Text.Json;
using System.Text.Json.Serialization;

namespace SegLoop.Contracts;

/// <summary>
/// <see cref="PromptMask.Polygons"/> as JSON: the same text System.Text.Json writes by default, cheaper. Contour
/// points are pixel corners, so the coordinates are whole numbers, and formatting a double the shortest round-trip
/// way costs several times what an integer does: whole values of moderate size go out as integers (the default writes
/// them with the same digits), everything else as the default writes it.
/// </summary>
public sealed class PolygonsJsonConverter : JsonConverter<IReadOnlyList<IReadOnlyList<double>>>
{
    // Whole doubles this small the default writes as plain digits (exponent notation starts near 1e17); a
    // pixel coordinate is far below it.
    private const double PlainDigitsLimit = 1e15;

    public override IReadOnlyList<IReadOnlyList<double>>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
            return null;
        Expect(ref reader, JsonTokenType.StartArray, "an array of polygons");
        var polygons = new List<IReadOnlyList<double>>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            Expect(ref reader, JsonTokenType.StartArray, "a polygon: an array of numbers");
            var ring = new List<double>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                Expect(ref reader, JsonTokenType.Number, "a polygon coordinate: a number");
                ring.Add(reader.GetDouble());
            }
            polygons.Add(ring);
        }
        return polygons;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<IReadOnlyList<double>> value, JsonSerializerOptions options) =>
        WriteRings(writer, value);

    /// <summary>Rings as a JSON array of number arrays, the way every SegLoop polygon is written (COCO files too).</summary>
    public static void WriteRings(Utf8JsonWriter writer, IEnumerable<IReadOnlyList<double>> rings)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(rings);
        writer.WriteStartArray();
        foreach (var ring in rings)
        {
            writer.WriteStartArray();
            foreach (var coordinate in ring)
            {
                // -0 is whole but the default writes it "-0"; NaN and infinities fail in the default path, as they would.
                if (Math.Abs(coordinate) < PlainDigitsLimit && coordinate == Math.Floor(coordinate) && (coordinate != 0 || !double.IsNegative(coordinate)))
                    writer.WriteNumberValue((long)coordinate);
                else
                    writer.WriteNumberValue(coordinate);
            }
            writer.WriteEndArray();
        }
        writer.WriteEndArray();
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType token, string what)
    {
        if (reader.TokenType != token)
            throw new JsonException($"polygons: expected {what}, found {reader.TokenType}");
    }
}
