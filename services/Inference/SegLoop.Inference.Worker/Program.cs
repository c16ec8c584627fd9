using SegLoop.ActiveLearning;
using SegLoop.Hosting;
using SegLoop.Inference;
using SegLoop.Inference.Annotators;
using SegLoop.Storage;

var builder = WebApplication.CreateBuilder(args);
builder.AddSegLoopDefaults("inference");
builder.Services.AddBlobStore(builder.Configuration);
builder.Services.AddInference(builder.Configuration);
// Label Studio's ML backend and CVAT's interactor on the same segmenters (docs/interop.md).
builder.Services.AddAnnotators(builder.Configuration);
builder.Services.AddRanking();
builder.AddSegLoopBus(bus =>
{
    bus.AddInferenceConsumers();
    bus.AddRankingConsumers();
});

var app = builder.Build();
app.MapSegLoopDefaults();
app.MapAnnotators();
app.Run();
