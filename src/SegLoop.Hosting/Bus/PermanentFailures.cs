using Microsoft.Extensions.DependencyInjection;

namespace SegLoop.Hosting;

/// <summary>
/// Exceptions no retry can fix (input that is missing or malformed): a message failing with one goes to its
/// <c>_error</c> queue at once instead of being retried. The retry each consumer's definition sets
/// (<see cref="ConsumerRetryExtensions.UseSegLoopRetry"/>, <c>Bus:Retry</c>) reads this list. Hosting names only
/// .NET's own malformed-input exceptions; each service adds the failures of the libraries it uses and of its own domain
/// with <see cref="PermanentFailureExtensions.AddPermanentFailures"/> (storage's: <c>SegLoop.Storage.StorageFailures.Permanent</c>).
/// </summary>
public sealed class PermanentFailureOptions
{
    public HashSet<Type> ExceptionTypes { get; } =
    [
        typeof(InvalidDataException),
        typeof(System.Text.Json.JsonException),
    ];
}

public static class PermanentFailureExtensions
{
    /// <summary>Messages failing with any of <paramref name="exceptionTypes"/> (or a subtype) are not retried.</summary>
    public static IServiceCollection AddPermanentFailures(this IServiceCollection services, params IReadOnlyCollection<Type> exceptionTypes)
    {
        ArgumentNullException.ThrowIfNull(exceptionTypes);
        foreach (var type in exceptionTypes)
        {
            if (!typeof(Exception).IsAssignableFrom(type))
                throw new ArgumentException($"{type} is not an exception type.", nameof(exceptionTypes));
        }
        services.Configure<PermanentFailureOptions>(o => o.ExceptionTypes.UnionWith(exceptionTypes));
        return services;
    }
}
