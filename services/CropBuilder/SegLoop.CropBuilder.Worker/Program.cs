using SegLoop.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddSegLoopDefaults("crop-builder");
// TODO(lead): builder.Services.AddCropBuilder(builder.Configuration); when SegLoop.CropBuilder lands.
builder.AddSegLoopBus(bus =>
{
    // TODO(lead): bus.AddCropBuilderConsumers();
});

var app = builder.Build();
app.MapSegLoopDefaults();
app.Run();
