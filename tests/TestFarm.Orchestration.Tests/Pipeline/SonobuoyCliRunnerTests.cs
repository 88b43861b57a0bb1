using TestFarm.Kubernetes.Deploy;
using TestFarm.Orchestration.Adapters;
using TestFarm.Scenarios.Conformance;
using TestFarm.Testing;

namespace TestFarm.Orchestration.Tests.Pipeline;

/// <summary>
/// The <c>sonobuoy</c> binary as the farm runs it on a real cluster, through the real process runner. No sonobuoy
/// binary exists here: a stand-in script takes its place, records the arguments it was given and, on
/// <c>retrieve</c>, writes a real results tarball (the quick-mode fixture) and prints its name as sonobuoy does.
/// </summary>
public sealed class SonobuoyCliRunnerTests
{
    private static string StandIn(string dir, string runExit)
    {
        var script = Path.Combine(dir, "sonobuoy");
        var tarball = Fixtures.Shared("sonobuoy", "results-quick-no-failures.tar.gz");
        File.WriteAllText(script, $"""
            #!/bin/sh
            echo "$*" >> '{dir}/calls'
            case "$1" in
              run) echo "time=... msg=\"Sonobuoy is now running\""; exit {runExit} ;;
              retrieve) cp '{tarball}' "$2/202612040512_sonobuoy_3f1c.tar.gz"; echo 202612040512_sonobuoy_3f1c.tar.gz ;;
              delete) echo "deleted" ;;
            esac
            """);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return script;
    }

    private static SonobuoyRequest Request(string dir) => new()
    {
        Mode = "quick", KubernetesVersion = "1.32.3", Timeout = TimeSpan.FromMinutes(90), ArtifactsDirectory = Path.Combine(dir, "artifacts"),
        KubeconfigPath = Path.Combine(dir, "kubeconfig"),
    };

    [Test]
    public async Task Runs_waits_retrieves_the_tarball_into_the_artifacts_and_deletes_the_run()
    {
        using var dir = new TempDirectory("tf-sonobuoy");
        var runner = new SonobuoyCliRunner(new ProcessRunner(TimeProvider.System), StandIn(dir.Path, "0"));
        var request = Request(dir.Path);

        var path = await runner.RunAsync(request);

        Assert.That(path, Is.EqualTo(Path.Combine(request.ArtifactsDirectory, "202612040512_sonobuoy_3f1c.tar.gz")));
        Assert.That(ConformanceStepExecutor.ReadE2eJUnit(path), Has.Count.EqualTo(ConformanceStepExecutor.ReadE2eJUnit(Fixtures.Shared("sonobuoy", "results-quick-no-failures.tar.gz")).Count).And.Count.GreaterThan(0));
        Assert.That(File.ReadAllLines(Path.Combine(dir.Path, "calls")), Is.EqualTo(new[]
        {
            $"run --kubeconfig {request.KubeconfigPath} --mode quick --wait=90 --kubernetes-version v1.32.3",
            $"retrieve {request.ArtifactsDirectory} --kubeconfig {request.KubeconfigPath}",
            $"delete --kubeconfig {request.KubeconfigPath} --wait",
        }));
        var log = File.ReadAllText(Path.Combine(request.ArtifactsDirectory, "sonobuoy.log"));
        Assert.That(log, Does.Contain("Sonobuoy is now running").And.Contain("$ ").And.Contain("deleted"));
    }

    [Test]
    public void A_failed_run_names_its_command_and_log_and_the_run_is_still_deleted()
    {
        using var dir = new TempDirectory("tf-sonobuoy");
        var runner = new SonobuoyCliRunner(new ProcessRunner(TimeProvider.System), StandIn(dir.Path, "3"));
        var request = Request(dir.Path);

        var e = Assert.ThrowsAsync<SonobuoyException>(() => runner.RunAsync(request));

        Assert.That(e!.Message, Does.Contain("run --kubeconfig").And.Contain("failed with exit code 3").And.Contain(Path.Combine(request.ArtifactsDirectory, "sonobuoy.log")));
        Assert.That(File.ReadAllLines(Path.Combine(dir.Path, "calls")).Select(l => l.Split(' ')[0]), Is.EqualTo(new[] { "run", "delete" }));
    }

    [Test]
    public void A_missing_binary_or_kubeconfig_is_named()
    {
        using var dir = new TempDirectory("tf-sonobuoy");
        var missing = new SonobuoyCliRunner(new ProcessRunner(TimeProvider.System), Path.Combine(dir.Path, "no-such-sonobuoy"));
        Assert.That(Assert.ThrowsAsync<SonobuoyException>(() => missing.RunAsync(Request(dir.Path)))!.Message,
            Does.Contain("cannot start").And.Contain("install it on the farm host"));
        Assert.That(Assert.ThrowsAsync<SonobuoyException>(() => missing.RunAsync(Request(dir.Path) with { KubeconfigPath = null }))!.Message,
            Does.Contain("needs the cell's kubeconfig"));
    }
}
