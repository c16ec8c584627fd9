// Placeholder until the hosting defaults land (issue 2).
var app = WebApplication.CreateBuilder(args).Build();
app.Run();
