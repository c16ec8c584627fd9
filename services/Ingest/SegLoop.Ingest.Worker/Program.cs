using SegLoop.Hosting;
using SegLoop.Ingest;
using SegLoop.Storage;

var builder = WebApplication.CreateBuilder(args);
builder.AddSegLoopDefaults("ingest");
builder.Services.AddBlobStore(builder.Configuration);
builder.Services.AddIngest(builder.Configuration);
builder.AddSegLoopBus(bus => bus.AddIngestConsumers());

var app = builder.Build();
app.MapSegLoopDefaults();
app.MapIngestWebhook();
app.Run();
