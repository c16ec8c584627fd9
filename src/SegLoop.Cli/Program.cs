using SegLoop.Cli;

return await SegLoopCommand.Create().Parse(args).InvokeAsync();
