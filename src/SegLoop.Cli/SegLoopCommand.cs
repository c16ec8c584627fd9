using System.CommandLine;

namespace SegLoop.Cli;

/// <summary>The <c>segloop</c> root command. Each verb lives in its own class; later issues add theirs here.</summary>
public static class SegLoopCommand
{
    public static RootCommand Create()
    {
        var root = new RootCommand(
            "SegLoop: ingest segmentation annotations, map them to a common taxonomy, cut training crops and pre-label images.");
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(IngestCommand.Create());
        root.Subcommands.Add(TaxonomyCommand.Create());
        root.Subcommands.Add(DatasetCommand.Create());
        root.Subcommands.Add(ErrorsCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(ModelsCommand.Create());
        root.Subcommands.Add(PrelabelCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        return root;
    }
}
