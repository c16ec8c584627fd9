using System.Collections;
using System.Globalization;

namespace SegLoop.ModelRuntime;

/// <summary>Dimensions of a tensor; -1 marks a dimension the model leaves dynamic (e.g. batch, height, width).</summary>
public sealed class TensorShape : IEquatable<TensorShape>, IReadOnlyList<long>
{
    private readonly long[] _dimensions;

    public TensorShape(params long[] dimensions)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        foreach (var d in dimensions)
        {
            if (d < -1)
                throw new ArgumentOutOfRangeException(nameof(dimensions), d, "A dimension is >= 0, or -1 when dynamic.");
        }
        _dimensions = (long[])dimensions.Clone();
    }

    public int Rank => _dimensions.Length;

    public int Count => _dimensions.Length;

    public long this[int index] => _dimensions[index];

    public ReadOnlySpan<long> Dimensions => _dimensions;

    /// <summary>True when some dimension is dynamic (-1).</summary>
    public bool IsDynamic => Array.IndexOf(_dimensions, -1L) >= 0;

    /// <summary>Number of elements; throws for a dynamic shape.</summary>
    public long ElementCount
    {
        get
        {
            if (IsDynamic)
                throw new InvalidOperationException($"The shape {this} has dynamic dimensions and no element count.");
            long count = 1;
            foreach (var d in _dimensions)
                count = checked(count * d);
            return count;
        }
    }

    public bool Equals(TensorShape? other) =>
        other is not null && _dimensions.AsSpan().SequenceEqual(other._dimensions);

    public override bool Equals(object? obj) => Equals(obj as TensorShape);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var d in _dimensions)
            hash.Add(d);
        return hash.ToHashCode();
    }

    public override string ToString() =>
        "[" + string.Join(", ", _dimensions.Select(d => d < 0 ? "?" : d.ToString(CultureInfo.InvariantCulture))) + "]";

    public IEnumerator<long> GetEnumerator() => ((IEnumerable<long>)_dimensions).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _dimensions.GetEnumerator();

    internal long[] ToArray() => (long[])_dimensions.Clone();
}
