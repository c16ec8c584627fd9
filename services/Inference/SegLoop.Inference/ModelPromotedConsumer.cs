using MassTransit;
using SegLoop.Contracts;
using SegLoop.Hosting;
using SegLoop.Inference.Models;

namespace SegLoop.Inference;

/// <summary>Swaps in a newly promoted model version; requests already running finish on the old one.</summary>
public sealed class ModelPromotedConsumer(ModelCatalog catalog) : IConsumer<ModelPromoted>
{
    public Task Consume(ConsumeContext<ModelPromoted> context) => catalog.PromoteAsync(context.Message, context.CancellationToken);
}

/// <summary>
/// Every Inference process must see every promotion: each gets its own temporary queue (fan-out, not competing).
/// SegLoop's retry (<c>Bus:Retry</c>); a model that is not in storage is a permanent failure.
/// </summary>
public sealed class ModelPromotedConsumerDefinition : ConsumerDefinition<ModelPromotedConsumer>
{
    public ModelPromotedConsumerDefinition()
    {
        Endpoint(e =>
        {
            e.Temporary = true;
            e.InstanceId = NewId.NextGuid().ToString("N")[..12];
        });
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ModelPromotedConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseSegLoopRetry(context);
}
