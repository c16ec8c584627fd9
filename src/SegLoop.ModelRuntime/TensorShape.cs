using System.Collections;
using System.Globalization;

namespace SegLoop.ModelRuntime;

/// <summary>Dimensions of a tensor; -1 marks a dimension the model leaves dynamic (e.g. batch, height, width).</summary>
public sealed class TensorShape : IEquatable<TensorShape>, IReadOnlyList<long>
{
    private readonly long[] dimensions;

    public TensorShape(params long[] dimensions)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        foreach (var d in dimensions)
        {
            if (d < -1)
                throw new ArgumentOutOfRangeException(nameof(dimensions), d, "A dimension is >= 0, or -1 when dynamic.");
        }
        this.dimensions = (long[])dimensions.Clone();
    }

    public int Rank => dimensions.Length;

    public int Count => dimensions.Length;

    public long this[int index] => dimensions[index];

    public ReadOnlySpan<long> Dimensions => dimensions;

    /// <summary>True when some dimension is dynamic (-1).</summary>
    public bool IsDynamic => Array.IndexOf(dimensions, -1L) >= 0;

    /// <summary>Number of elements; throws for a dynamic shape.</summary>
    public long ElementCount
    {
        get
        {
            if (IsDynamic)
                throw new InvalidOperationException($"The shape {this} has dynamic dimensions and no element count.");
            long count = 1;
            foreach (var d in dimensions)
                count = checked(count * d);
            return count;
        }
    }

    public bool Equals(TensorShape? other) =>
        other is not null && dimensions.AsSpan().SequenceEqual(other.dimensions);

    public override bool Equals(object? obj) => Equals(obj as TensorShape);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var d in dimensions)
            hash.Add(d);
        return hash.ToHashCode();
    }

    public override string ToString() =>
        "[" + string.Join(", ", dimensions.Select(d => d < 0 ? "?" : d.ToString(CultureInfo.InvariantCulture))) + "]";

    public IEnumerator<long> GetEnumerator() => ((IEnumerable<long>)dimensions).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => dimensions.GetEnumerator();

    internal long[] ToArray() => (long[])dimensions.Clone();
}
