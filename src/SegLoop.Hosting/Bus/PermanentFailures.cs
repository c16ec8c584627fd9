using Microsoft.Extensions.DependencyInjection;

namespace SegLoop.Hosting;

/// <summary>
/// Exceptions no retry can fix (input that is missing or malformed): a message failing with one goes to its
/// <c>_error</c> queue at once instead of being retried. The bus's one retry policy (<c>Bus:Retry</c>) reads
/// this list; each service adds the failures of its own domain with <see cref="PermanentFailureExtensions.AddPermanentFailures"/>.
/// </summary>
public sealed class PermanentFailureOptions
{
    public HashSet<Type> ExceptionTypes { get; } =
    [
        typeof(SegLoop.Storage.BlobNotFoundException),
        typeof(SegLoop.Storage.InvalidBlobKeyException),
        typeof(InvalidDataException),
        typeof(System.Text.Json.JsonException),
    ];
}

public static class PermanentFailureExtensions
{
    /// <summary>Messages failing with any of <paramref name="exceptionTypes"/> (or a subtype) are not retried.</summary>
    public static IServiceCollection AddPermanentFailures(this IServiceCollection services, params Type[] exceptionTypes)
    {
        foreach (var type in exceptionTypes)
        {
            if (!typeof(Exception).IsAssignableFrom(type))
                throw new ArgumentException($"{type} is not an exception type.", nameof(exceptionTypes));
        }
        services.Configure<PermanentFailureOptions>(o => o.ExceptionTypes.UnionWith(exceptionTypes));
        return services;
    }
}
