using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace SegLoop.Hosting;

/// <summary>The retry policy of every SegLoop consumer, set by the consumer's own <c>ConsumerDefinition</c>.</summary>
public static class ConsumerRetryExtensions
{
    /// <summary>
    /// Retries a failing message in process at <c>Bus:Retry:Intervals</c> (no retry when the list is empty), then
    /// MassTransit moves it to <c>&lt;queue&gt;_error</c> with the exception in its headers. A permanent failure
    /// (<see cref="PermanentFailureOptions"/>: input that is missing or malformed) goes there at once: retrying it only
    /// delays the fault and repeats the work. Call it from <c>ConfigureConsumer</c> of each consumer's definition.
    /// </summary>
    public static void UseSegLoopRetry(this IReceiveEndpointConfigurator endpoint, IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(context);
        var intervals = context.GetRequiredService<IOptions<BusOptions>>().Value.Retry.EffectiveIntervals;
        if (intervals.Count == 0)
            return;
        var permanent = context.GetRequiredService<IOptions<PermanentFailureOptions>>().Value.ExceptionTypes.ToArray();
        endpoint.UseMessageRetry(r =>
        {
            r.Intervals(intervals.ToArray());
            r.Ignore(permanent);
        });
    }
}
