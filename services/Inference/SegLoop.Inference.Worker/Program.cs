using SegLoop.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddSegLoopDefaults("inference");
// TODO(lead): builder.Services.AddInference(builder.Configuration); when SegLoop.Inference lands.
builder.AddSegLoopBus(bus =>
{
    // TODO(lead): bus.AddInferenceConsumers();
});

var app = builder.Build();
app.MapSegLoopDefaults();
app.Run();
