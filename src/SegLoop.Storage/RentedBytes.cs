using System.Buffers;

namespace SegLoop.Storage;

/// <summary>
/// A blob's bytes in an array rented from <see cref="ArrayPool{T}.Shared"/> (see
/// <see cref="BlobStoreExtensions.RentBytesAsync"/>). Dispose it as soon as the bytes are used: that returns the array.
/// </summary>
public sealed class RentedBytes : IDisposable
{
    private byte[]? _array;

    internal RentedBytes(byte[] array, int length)
    {
        _array = array;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlySpan<byte> Span => Array.AsSpan(0, Length);

    public ReadOnlyMemory<byte> Memory => Array.AsMemory(0, Length);

    private byte[] Array => _array ?? throw new ObjectDisposedException(nameof(RentedBytes));

    public void Dispose()
    {
        var array = Interlocked.Exchange(ref _array, null);
        if (array is not null)
            ArrayPool<byte>.Shared.Return(array);
    }
}
