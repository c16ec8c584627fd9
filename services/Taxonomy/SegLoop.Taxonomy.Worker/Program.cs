using SegLoop.Hosting;
using SegLoop.Storage;
using SegLoop.Taxonomy;

var builder = WebApplication.CreateBuilder(args);
builder.AddSegLoopDefaults("taxonomy");
builder.Services.AddBlobStore(builder.Configuration);
builder.Services.AddTaxonomy(builder.Configuration);
builder.AddSegLoopBus(bus =>
{
    bus.AddTaxonomyConsumers();
});

var app = builder.Build();
app.MapSegLoopDefaults();
app.Run();
