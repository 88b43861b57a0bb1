using System.Formats.Tar;
using System.IO.Compression;
using TestFarm.Core.Results;
using TestFarm.Core.Suites;
using TestFarm.Scenarios.Engine;
using TestFarm.Scenarios.Import;
using TestFarm.Scenarios.Settings;

namespace TestFarm.Scenarios.Conformance;

/// <summary>
/// <c>conformance</c> step: <c>mode</c> (quick | certified-conformance | non-disruptive-conformance), <c>timeout</c>,
/// optional <c>results</c> (a recorded tarball or JUnit, imported instead of running Sonobuoy).
/// The e2e plugin's JUnit becomes the results.
/// </summary>
public sealed class ConformanceStepExecutor : IStepExecutor
{
    public static readonly IReadOnlyList<string> Modes = ["quick", "certified-conformance", "non-disruptive-conformance"];

    /// <summary>Environment variable naming a recorded results tarball, used when the cell has no Sonobuoy runner.</summary>
    public const string RecordedResultsVariable = "TESTFARM_SONOBUOY_RESULTS";

    public string Kind => StepKinds.Conformance;

    public async Task<IReadOnlyList<TestResult>> ExecuteAsync(SuiteStep step, StepRun run, CancellationToken cancellationToken)
    {
        var start = run.Time.GetUtcNow();
        var s = new StepSettings(step);
        var mode = s.String("mode", "quick")!;
        if (!Modes.Contains(mode)) s.Error($"unknown mode '{mode}' (known: {string.Join(", ", Modes)})");
        var timeout = s.Duration("timeout", TimeSpan.FromHours(3), TimeSpan.FromSeconds(1), TimeSpan.FromHours(24));
        // Recorded results named in the step are imported whatever runner the cell has; TESTFARM_SONOBUOY_RESULTS only
        // stands in for a cell with no runner at all.
        var fromStep = s.String("results");
        var recorded = fromStep ?? Environment.GetEnvironmentVariable(RecordedResultsVariable);
        var includeSkipped = s.Bool("includeSkipped", false);
        if (s.Errors.Count > 0)
            return [run.Result($"conformance:{step.Name}", step.Name, Verdict.InfraError, start, $"{step.Source}: {string.Join("; ", s.Errors)}")];
        var runner = fromStep is not null ? new ImportingSonobuoyRunner(StepPaths.Resolve(fromStep))
            : run.Cell.Sonobuoy ?? (recorded is not null ? new ImportingSonobuoyRunner(StepPaths.Resolve(recorded)) : null);
        if (runner is null)
            return [run.Result($"conformance:{step.Name}", step.Name, Verdict.InfraError, start,
                $"no Sonobuoy runner for this cell, no recorded 'results' in the step and no {RecordedResultsVariable} (the sonobuoy binary is not available here)")];
        var path = await runner.RunAsync(new SonobuoyRequest
        {
            Mode = mode, KubernetesVersion = run.Cell.KubernetesVersion, Timeout = timeout, ArtifactsDirectory = run.Cell.ArtifactsDirectory,
            KubeconfigPath = run.Cell.KubeconfigPath, Cluster = run.Cell.Cluster,
        }, cancellationToken).ConfigureAwait(false);
        var cases = path.EndsWith(".xml", StringComparison.OrdinalIgnoreCase)
            ? JUnitReader.Read(path, keepCases: true).Cases
            : ReadE2eJUnit(path);
        var results = JUnitResults.From(cases, run, "e2e", includeSkipped);
        return results.Count > 0 ? results
            : [run.Result($"conformance:{step.Name}", step.Name, Verdict.Failed, start, $"{path}: no e2e test ran")];
    }

    /// <summary>The e2e plugin's JUnit cases inside a results tarball (<c>plugins/e2e/results/**/junit_*.xml</c>).</summary>
    public static IReadOnlyList<JUnitCase> ReadE2eJUnit(string tarball, string plugin = "e2e")
    {
        var cases = new List<JUnitCase>();
        try
        {
            using var file = File.OpenRead(tarball);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            while (tar.GetNextEntry() is { } entry)
            {
                var name = entry.Name.Replace('\\', '/');
                while (name.StartsWith("./", StringComparison.Ordinal)) name = name[2..];
                var fileName = Path.GetFileName(name);
                if (entry.DataStream is null || !name.StartsWith($"plugins/{plugin}/results/", StringComparison.Ordinal)
                    || !fileName.StartsWith("junit", StringComparison.Ordinal) || !fileName.EndsWith(".xml", StringComparison.Ordinal)) continue;
                cases.AddRange(JUnitReader.Read(entry.DataStream, $"{tarball}!{name}", keepCases: true).Cases);
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException)
        {
            throw new ResultImportException($"{tarball}: not a readable sonobuoy results tarball: {ex.Message}", ex);
        }
        return cases;
    }
}

/// <summary><c>junit</c> step: imports any JUnit file (<c>file</c>), keeping skipped cases unless <c>includeSkipped: false</c>.</summary>
public sealed class JUnitStepExecutor : IStepExecutor
{
    public string Kind => StepKinds.JUnit;

    public Task<IReadOnlyList<TestResult>> ExecuteAsync(SuiteStep step, StepRun run, CancellationToken cancellationToken)
    {
        var s = new StepSettings(step);
        var file = s.String("file", required: true);
        var includeSkipped = s.Bool("includeSkipped", true);
        if (s.Errors.Count > 0 || file is null)
            return Task.FromResult<IReadOnlyList<TestResult>>([run.Result($"junit:{step.Name}", step.Name, Verdict.InfraError, run.Time.GetUtcNow(), $"{step.Source}: {string.Join("; ", s.Errors)}")]);
        var report = JUnitReader.Read(StepPaths.Resolve(file, run.Cell.ArtifactsDirectory), keepCases: true);
        return Task.FromResult(JUnitResults.From(report.Cases, run, $"junit:{step.Name}", includeSkipped));
    }
}

/// <summary>Paths in step settings: absolute, relative to the artifacts folder if the file is there, else to the working folder.</summary>
public static class StepPaths
{
    public static string Resolve(string path, string? artifacts = null)
    {
        var expanded = Environment.ExpandEnvironmentVariables(path);
        if (Path.IsPathRooted(expanded)) return expanded;
        if (artifacts is not null && File.Exists(Path.Combine(artifacts, expanded))) return Path.Combine(artifacts, expanded);
        return Path.GetFullPath(expanded);
    }
}
