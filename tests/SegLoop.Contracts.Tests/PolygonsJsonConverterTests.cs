using System.Text.Json;

namespace SegLoop.Contracts.Tests;

/// <summary>The polygons converter writes exactly what System.Text.Json writes by default, and reads it back.</summary>
public sealed class PolygonsJsonConverterTests
{
    private static readonly JsonSerializerOptions Plain = new();
    private static readonly JsonSerializerOptions WithConverter = new() { Converters = { new PolygonsJsonConverter() } };

    public static TheoryData<double> Edges() =>
    [
        0, -0.0, 1, -1, 0.5, -0.5, 12.25, 1e-7, 255, 65535, int.MaxValue, (double)int.MaxValue + 1, -(double)int.MaxValue - 1,
        999_999_999_999_999, 1e15, -1e15, 1e15 + 2, 9_007_199_254_740_992, 1e16, 1.5e300, double.Epsilon, double.MaxValue, double.MinValue,
        Math.BitDecrement(1e15), Math.BitIncrement(3.0), Math.BitDecrement(3.0),
    ];

    [Theory]
    [MemberData(nameof(Edges))]
    public void Write_EdgeValue_SameTextAsTheDefault(double value) => AssertSameText([[value, value, -value]]);

    [Fact]
    public void Write_RandomValuesOfEveryMagnitude_SameTextAsTheDefault()
    {
        var random = new Random(11);
        var rings = new List<IReadOnlyList<double>>();
        for (var r = 0; r < 200; r++)
        {
            var ring = new List<double>();
            for (var i = 0; i < 50; i++)
            {
                var magnitude = Math.Pow(10, random.Next(-5, 20));
                var value = (random.NextDouble() - 0.5) * magnitude;
                ring.Add(random.Next(2) == 0 ? Math.Round(value) : value);
            }
            rings.Add(ring);
        }

        AssertSameText(rings);
    }

    [Fact]
    public void Write_NaN_FailsAsTheDefaultDoes()
    {
        IReadOnlyList<IReadOnlyList<double>> polygons = [[double.NaN]];

        Assert.Throws<ArgumentException>(() => JsonSerializer.Serialize(polygons, Plain));
        Assert.Throws<ArgumentException>(() => JsonSerializer.Serialize(polygons, WithConverter));
    }

    [Fact]
    public void RoundTrip_PromptMask_KeepsEveryCoordinate()
    {
        var mask = SampleMessages.Completed.Masks[0] with { Polygons = [[0, 0, 10.5, -3, 1e20, 7], [], [2, 2]] };

        var json = JsonSerializer.Serialize(mask, Plain);
        var back = JsonSerializer.Deserialize<PromptMask>(json, Plain)!;

        Assert.Contains("[[0,0,10.5,-3,1E+20,7],[],[2,2]]", json, StringComparison.Ordinal);
        Assert.Equal(mask.Polygons.Select(r => r.ToArray()), back.Polygons.Select(r => r.ToArray()));
    }

    [Theory]
    [InlineData("""{"polygons": [1, 2]}""", "expected a polygon: an array of numbers, found Number")]
    [InlineData("""{"polygons": [["1"]]}""", "expected a polygon coordinate: a number, found String")]
    [InlineData("""{"polygons": {}}""", "expected an array of polygons, found StartObject")]
    public void Read_WrongShape_NamesWhatWasExpected(string json, string message)
    {
        var e = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<PolygonsHolder>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web)));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    private static void AssertSameText(IReadOnlyList<IReadOnlyList<double>> polygons) =>
        Assert.Equal(JsonSerializer.Serialize(polygons, Plain), JsonSerializer.Serialize(polygons, WithConverter));

    private sealed record PolygonsHolder([property: System.Text.Json.Serialization.JsonConverter(typeof(PolygonsJsonConverter))] IReadOnlyList<IReadOnlyList<double>> Polygons);
}
