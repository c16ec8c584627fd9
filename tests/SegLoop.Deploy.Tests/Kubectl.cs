using System.Diagnostics;

namespace SegLoop.Deploy.Tests;

/// <summary>Runs the kubectl binary (scripts/setup.d/40-deploy-tools.sh installs it).</summary>
internal static class Kubectl
{
    public static (int ExitCode, string StdOut, string StdErr) Kustomize(string directory)
    {
        var start = new ProcessStartInfo("kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(directory);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException(
                "kubectl is not on PATH: run scripts/setup.sh (scripts/setup.d/40-deploy-tools.sh installs it).", ex);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"kubectl kustomize {directory} did not finish in 2 minutes");
            }
            return (process.ExitCode, stdout.Result, stderr.Result);
        }
    }
}
