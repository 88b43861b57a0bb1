using TestFarm.Core.Cluster;

namespace TestFarm.Scenarios.Conformance;

/// <summary>What a conformance step asks Sonobuoy for.</summary>
public sealed record SonobuoyRequest
{
    /// <summary><c>quick</c>, <c>certified-conformance</c> or <c>non-disruptive-conformance</c>.</summary>
    public required string Mode { get; init; }
    public string? KubernetesVersion { get; init; }
    public required TimeSpan Timeout { get; init; }
    /// <summary>Where the retrieved tarball goes.</summary>
    public required string ArtifactsDirectory { get; init; }
    /// <summary>The cell's kubeconfig (a file holding credentials: passed by path, never shown).</summary>
    public string? KubeconfigPath { get; init; }
    /// <summary>The cell's cluster through the farm's own client, for runners that work through the API.</summary>
    public IClusterApi? Cluster { get; init; }
}

/// <summary>
/// Runs Sonobuoy against the cell's cluster, polls it, and returns the path of the retrieved results tarball
/// (or a JUnit file). Real runs shell out to the <c>sonobuoy</c> binary; in the lab (no binary here) the
/// <see cref="LabSonobuoyRunner"/> does quick mode through the cluster API and writes the tarball itself.
/// </summary>
public interface ISonobuoyRunner
{
    Task<string> RunAsync(SonobuoyRequest request, CancellationToken cancellationToken = default);
}

/// <summary>Returns a recorded results file, copied into the artifacts folder, as if Sonobuoy had produced it.</summary>
public sealed class ImportingSonobuoyRunner(string resultsPath) : ISonobuoyRunner
{
    public Task<string> RunAsync(SonobuoyRequest request, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(resultsPath))
            throw new FileNotFoundException($"recorded sonobuoy results not found: {resultsPath}", resultsPath);
        Directory.CreateDirectory(request.ArtifactsDirectory);
        var target = Path.Combine(request.ArtifactsDirectory, Path.GetFileName(resultsPath));
        File.Copy(resultsPath, target, overwrite: true);
        return Task.FromResult(target);
    }
}
