using TestFarm.Core.Results;

namespace TestFarm.Testing.GitHub;

/// <summary>Hand-made run results with every verdict, for report and GitHub tests.</summary>
public static class SampleRuns
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 2, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Plan "pr-smoke", 3 cells: epyc-e810/3cp passed (one flaky, one skipped test), epyc-e810/1cp2w failed
    /// (one product failure), ampere-mlx5/3cp infra-error (deploy phase failed; one test broken).
    /// </summary>
    public static RunResult Mixed(string runId = "run-2", string? headSha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821")
    {
        var passed = Cell("epyc-e810", "amd64", "3cp", Verdict.Passed,
        [
            Test("conformance", "pods-run", Verdict.Passed),
            Test("conformance", "dns-resolves", Verdict.Flaky, message: "timeout on first try", attempts: 2),
            Test("chaos", "kill-etcd-leader", Verdict.Passed),
            Test("chaos", "power-cycle-worker", Verdict.Skipped, skip: "needs 2 workers"),
        ]);
        var failed = Cell("epyc-e810", "amd64", "1cp2w", Verdict.Failed,
        [
            Test("conformance", "pods-run", Verdict.Passed),
            Test("conformance", "dns-resolves", Verdict.Failed, message: "nslookup kubernetes.default: <no answer> & timeout", details: "stack\nline 2"),
            Test("chaos", "kill-etcd-leader", Verdict.Passed, quarantined: true),
        ]);
        var infra = Cell("ampere-mlx5", "arm64", "3cp", Verdict.InfraError,
        [
            Test("conformance", "pods-run", Verdict.InfraError, message: "cluster never became ready", phase: "deploy"),
        ], deployFailed: true);
        return new RunResult
        {
            RunId = runId,
            Plan = "pr-smoke",
            Trigger = "pull_request",
            Started = Start,
            Finished = Start.AddMinutes(50),
            Cells = [passed, failed, infra],
            HeadSha = headSha,
            Repository = "Codertocat/Hello-World",
        };
    }

    /// <summary>The previous run: dns-resolves already failed on 1cp2w, kill-etcd-leader failed on 3cp (fixed since).</summary>
    public static RunResult Previous()
    {
        var run = Mixed("run-1");
        var cells = run.Cells.ToList();
        cells[0] = cells[0] with
        {
            Verdict = Verdict.Failed,
            Tests = [.. cells[0].Tests.Select(t => t.Name == "kill-etcd-leader" ? t with { Verdict = Verdict.Failed, Message = "leader never re-elected" } : t)],
        };
        cells[2] = cells[2] with { Verdict = Verdict.Passed, Tests = [Test("conformance", "pods-run", Verdict.Passed)] };
        return run with { Cells = cells };
    }

    public static CellResult Cell(string profile, string arch, string topology, Verdict verdict, IReadOnlyList<TestResult> tests, bool deployFailed = false)
    {
        var t = Start;
        PhaseTiming Phase(string name, int minutes, bool ok = true, string? error = null)
        {
            var p = new PhaseTiming { Phase = name, Start = t, Duration = TimeSpan.FromMinutes(minutes), Succeeded = ok, Error = error };
            t += p.Duration;
            return p;
        }
        List<PhaseTiming> phases = [Phase("reserve", 1), Phase("reimage", 9), Phase("deploy", 14, !deployFailed, deployFailed ? "kubeadm init timed out after 15m" : null)];
        if (!deployFailed) phases.AddRange([Phase("addons", 4), Phase("suites", 12)]);
        phases.Add(Phase("clean", 3));
        return new CellResult
        {
            CellId = $"pr-smoke/{profile}/{topology}",
            Plan = "pr-smoke",
            Profile = profile,
            Arch = arch,
            Topology = topology,
            BuildId = "build-2026.03.01",
            Verdict = verdict,
            Tests = tests,
            Phases = phases,
            Evidence = new Dictionary<string, string>
            {
                ["image.digest"] = "sha256:4f1c0e5b9a7d",
                ["firmware.bios"] = profile == "epyc-e810" ? "2.14.1" : "1.9.0",
                ["kubernetes"] = "v1.32.3",
                ["metallb"] = "v0.14.9",
                ["rook"] = "v1.16.4",
            },
            Drift = profile == "ampere-mlx5" ? ["memory: declared 256 GiB, observed 240 GiB"] : [],
            Machines = [$"{profile}-01", $"{profile}-02"],
            Recoveries = tests.Any(x => x.Suite == "chaos")
                ? new Dictionary<string, TimeSpan> { ["kill-etcd-leader"] = TimeSpan.FromSeconds(topology == "3cp" ? 7.5 : 21) }
                : new Dictionary<string, TimeSpan>(),
        };
    }

    public static TestResult Test(string suite, string name, Verdict verdict, string? message = null, string? details = null,
        string? phase = null, int attempts = 1, string? skip = null, bool quarantined = false) => new()
    {
        TestId = $"{suite}.{name}",
        Name = name,
        Suite = suite,
        Verdict = verdict,
        Start = Start.AddMinutes(30),
        Duration = TimeSpan.FromSeconds(12),
        Message = message,
        Details = details,
        Phase = phase,
        Attempts = attempts,
        SkipReason = skip,
        Quarantined = quarantined,
        Tags = [suite],
    };
}
