using System.Reflection;
using System.Runtime;
using SegLoop.Benchmarks;

var benchmarks = Assembly.GetExecutingAssembly().GetTypes()
    .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IBenchmark).IsAssignableFrom(t))
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .OrderBy(b => b.Name, StringComparer.Ordinal)
    .ToList();

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: dotnet run -c Release --project bench/SegLoop.Benchmarks -- <name|all> [args]");
    foreach (var b in benchmarks)
        Console.WriteLine($"  {b.Name,-24} {b.Description}");
    return args.Length == 0 ? 2 : 0;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
var selected = args[0] == "all" ? benchmarks : benchmarks.Where(b => b.Name == args[0]).ToList();
if (selected.Count == 0)
{
    Console.Error.WriteLine($"no benchmark named '{args[0]}'");
    return 2;
}
Console.WriteLine($".NET {Environment.Version}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC, {Environment.ProcessorCount} logical CPUs");
var rc = 0;
foreach (var b in selected)
{
    Console.WriteLine($"== {b.Name}: {b.Description}");
    try
    {
        rc |= await b.RunAsync(args[1..], cts.Token);
    }
    catch (BenchArgumentException e)
    {
        Console.Error.WriteLine($"{b.Name}: {e.Message}");
        return 2;
    }
}
return rc;
