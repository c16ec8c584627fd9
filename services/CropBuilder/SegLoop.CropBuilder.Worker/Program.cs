using SegLoop.CropBuilder;
using SegLoop.Hosting;
using SegLoop.Storage;

var builder = WebApplication.CreateBuilder(args);
builder.AddSegLoopDefaults("crop-builder");
builder.Services.AddBlobStore(builder.Configuration);
builder.Services.AddCropBuilder(builder.Configuration);
builder.AddSegLoopBus(bus => bus.AddCropBuilderConsumers());

var app = builder.Build();
app.MapSegLoopDefaults();
app.Run();
