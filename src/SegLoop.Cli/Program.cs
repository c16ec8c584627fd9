using SegLoop.Cli;

return await SegLoopCommand.InvokeAsync(args);
