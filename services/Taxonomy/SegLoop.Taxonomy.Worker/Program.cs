using SegLoop.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddSegLoopDefaults("taxonomy");
// TODO(lead): builder.Services.AddTaxonomy(builder.Configuration); when SegLoop.Taxonomy lands.
builder.AddSegLoopBus(bus =>
{
    // TODO(lead): bus.AddTaxonomyConsumers();
});

var app = builder.Build();
app.MapSegLoopDefaults();
app.Run();
