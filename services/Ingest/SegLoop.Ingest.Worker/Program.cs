using SegLoop.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddSegLoopDefaults("ingest");
// TODO(lead): builder.Services.AddIngest(builder.Configuration); when SegLoop.Ingest lands.
builder.AddSegLoopBus(bus =>
{
    // TODO(lead): bus.AddIngestConsumers();
});

var app = builder.Build();
app.MapSegLoopDefaults();
app.Run();
