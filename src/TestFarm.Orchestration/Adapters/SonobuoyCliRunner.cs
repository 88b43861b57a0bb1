using System.Globalization;
using TestFarm.Kubernetes.Deploy;
using TestFarm.Scenarios.Conformance;

namespace TestFarm.Orchestration.Adapters;

/// <summary>A Sonobuoy run that failed: the command as shown (secrets hidden), its exit code and the log kept.</summary>
public sealed class SonobuoyException(string message) : Exception(message);

/// <summary>
/// Conformance on a real cluster through the <c>sonobuoy</c> binary on the farm host: <c>run --wait</c> in the
/// step's mode (and the cluster's Kubernetes version), <c>retrieve</c> into the step's artifacts, then <c>delete</c>
/// so the cluster is left as found. Every command and its output go to <c>sonobuoy.log</c> there.
/// </summary>
public sealed class SonobuoyCliRunner(IProcessRunner runner, string binary = "sonobuoy") : ISonobuoyRunner
{
    public async Task<string> RunAsync(SonobuoyRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var kubeconfig = request.KubeconfigPath
            ?? throw new SonobuoyException("sonobuoy needs the cell's kubeconfig: the cluster was not deployed by the farm");
        Directory.CreateDirectory(request.ArtifactsDirectory);
        var log = Path.Combine(request.ArtifactsDirectory, "sonobuoy.log");
        var minutes = Math.Max(1, (int)Math.Ceiling(request.Timeout.TotalMinutes));
        var run = new List<string> { "run", "--kubeconfig", kubeconfig, "--mode", request.Mode, $"--wait={minutes.ToString(CultureInfo.InvariantCulture)}" };
        if (request.KubernetesVersion is { Length: > 0 } version) run.AddRange(["--kubernetes-version", "v" + version.TrimStart('v')]);
        try
        {
            await RunAsync(run, request.Timeout + TimeSpan.FromMinutes(2), log, cancellationToken).ConfigureAwait(false);
            var retrieved = await RunAsync(["retrieve", request.ArtifactsDirectory, "--kubeconfig", kubeconfig], TimeSpan.FromMinutes(5), log, cancellationToken).ConfigureAwait(false);
            // retrieve prints the tarball's path (relative to where it was asked to write, or absolute).
            var tarball = retrieved.Select(l => l.Trim()).LastOrDefault(l => l.EndsWith(".tar.gz", StringComparison.Ordinal))
                ?? throw new SonobuoyException($"{binary} retrieve printed no results tarball; see {log}");
            var path = Path.IsPathRooted(tarball) ? tarball : Path.Combine(request.ArtifactsDirectory, Path.GetFileName(tarball));
            return File.Exists(path) ? path : throw new SonobuoyException($"{binary} retrieve named {tarball}, which is not there; see {log}");
        }
        finally
        {
            // Left as found, even after a failed or cancelled run (its own short limit, never the step's token).
            try { await RunAsync(["delete", "--kubeconfig", kubeconfig, "--wait"], TimeSpan.FromMinutes(10), log, CancellationToken.None).ConfigureAwait(false); }
            catch (Exception e) when (e is SonobuoyException or TimeoutException or System.ComponentModel.Win32Exception)
            {
                await File.AppendAllTextAsync(log, $"# cleanup failed: {e.Message}\n", CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task<List<string>> RunAsync(IReadOnlyList<string> arguments, TimeSpan timeout, string log, CancellationToken cancellationToken)
    {
        var spec = new ProcessSpec { FileName = binary, Arguments = arguments, Timeout = timeout };
        var lines = new List<string>();
        await File.AppendAllTextAsync(log, "$ " + spec.Display + "\n", cancellationToken).ConfigureAwait(false);
        ProcessResult result;
        try { result = await runner.RunAsync(spec, lines.Add, cancellationToken).ConfigureAwait(false); }
        catch (System.ComponentModel.Win32Exception e) { throw new SonobuoyException($"{spec.Display}: cannot start {binary} ({e.Message}); install it on the farm host"); }
        finally { await File.AppendAllLinesAsync(log, lines, CancellationToken.None).ConfigureAwait(false); }
        if (result.ExitCode != 0) throw new SonobuoyException($"{spec.Display} failed with exit code {result.ExitCode}; see {log}");
        return lines;
    }
}
