using MassTransit;
using SegLoop.Contracts;
using SegLoop.Inference.Models;

namespace SegLoop.Inference.Consumers;

/// <summary>Swaps in a newly promoted model version; requests already running finish on the old one.</summary>
public sealed class ModelPromotedConsumer : IConsumer<ModelPromoted>
{
    private readonly ModelCatalog catalog;

    public ModelPromotedConsumer(ModelCatalog catalog) => this.catalog = catalog;

    public Task Consume(ConsumeContext<ModelPromoted> context) => catalog.PromoteAsync(context.Message, context.CancellationToken);
}

/// <summary>Every Inference process must see every promotion: each gets its own temporary queue (fan-out, not competing).</summary>
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
}
