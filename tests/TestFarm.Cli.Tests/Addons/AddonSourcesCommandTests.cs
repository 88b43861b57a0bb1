using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using TestFarm.Cli.Commands.Addons;
using TestFarm.Cli.Commands.Nightly;
using TestFarm.Kubernetes;
using TestFarm.Kubernetes.Addons.Catalogue;
using TestFarm.Scenarios;
using TestFarm.Testing;

namespace TestFarm.Cli.Tests.Addons;

/// <summary>
/// <c>addons fetch</c> fills the cache from the mirror folder; <c>lab nightly</c> with no add-on source stops before
/// anything boots, with exit 3, naming the add-on, its version and the ways to provide it.
/// </summary>
[NonParallelizable]
public sealed class AddonSourcesCommandTests
{
    [Test]
    public async Task Addons_fetch_fills_the_cache_from_the_mirror_and_a_second_run_keeps_it()
    {
        using var cache = new TempDirectory("tf-addon-cache");
        var command = new AddonsFetchCommand(new ServiceCollection().AddTestFarmKubernetes().BuildServiceProvider().GetRequiredService<AddonFetcher>());

        var output = new StringWriter();
        var error = new StringWriter();
        Assert.That(await command.RunAsync(cache.Path, Fixtures.Shared("manifests"), output, error, CancellationToken.None), Is.EqualTo(ExitCodes.Success), error.ToString());
        Assert.That(output.ToString(), Does.Contain("metallb v0.15.3 metallb-native.yaml: copied from the mirror, sha256 84b4e102f2b65f5d69085f5816c29362b74641873d8ac3de996e5f86a8219176")
            .And.Contain($"add-on cache {cache.Path}: 4 files verified"));

        var again = new StringWriter();
        Assert.That(await command.RunAsync(cache.Path, null, again, error, CancellationToken.None), Is.EqualTo(ExitCodes.Success), error.ToString());
        Assert.That(again.ToString().Split('\n').Count(l => l.Contains(": in the cache, sha256 ", StringComparison.Ordinal)), Is.EqualTo(4));

        var missingMirror = Path.Combine(cache.Path, "no-such-mirror");
        var refused = new StringWriter();
        Assert.That(await command.RunAsync(cache.Path, missingMirror, output, refused, CancellationToken.None), Is.EqualTo(ExitCodes.InvalidInput));
        Assert.That(refused.ToString(), Does.Contain($"the mirror folder {missingMirror} does not exist"));
    }

    [Test]
    public async Task Lab_nightly_without_any_add_on_source_stops_within_seconds_with_exit_3_and_says_how_to_provide_them(CancellationToken ct)
    {
        using var root = new TempDirectory("tf-nightly-no-addons");
        using var emptyCache = new TempDirectory("tf-empty-addon-cache");
        Directory.CreateDirectory(Path.Combine(root.Path, "hardware-profiles"));
        Directory.CreateDirectory(Path.Combine(root.Path, "scenarios", "plans"));
        Directory.CreateDirectory(Path.Combine(root.Path, "scenarios", "suites"));
        File.Copy(Fixtures.Repo("hardware-profiles", "epyc-9354-e810.yaml"), Path.Combine(root.Path, "hardware-profiles", "epyc-9354-e810.yaml"));
        File.Copy(Fixtures.Repo("scenarios", "suites", "conformance-quick.yaml"), Path.Combine(root.Path, "scenarios", "suites", "conformance-quick.yaml"));
        await File.WriteAllTextAsync(Path.Combine(root.Path, "scenarios", "plans", "lab-smoke.yaml"), LabPlans.Smoke("{ kind: manual }", "epyc-9354-e810"), ct);
        var outDir = Path.Combine(root.Path, "out");
        var saved = new[] { AddonSources.FolderVariable, AddonSources.CacheVariable, AddonSources.MirrorVariable }.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        Environment.SetEnvironmentVariable(AddonSources.FolderVariable, null);
        Environment.SetEnvironmentVariable(AddonSources.MirrorVariable, null);
        Environment.SetEnvironmentVariable(AddonSources.CacheVariable, emptyCache.Path);
        try
        {
            var error = new StringWriter();
            var watch = Stopwatch.StartNew();
            var exit = await new LabNightlyCommand(ScenariosServiceCollectionExtensions.BuiltInValidators(), TimeProvider.System).RunAsync(
                new LabNightlyOptions { Root = root.Path, Plan = "lab-smoke", Out = outDir, QemuMachines = 0, QemuArm64Machines = 0 }, verbose: false, error, ct);
            watch.Stop();

            Assert.That(exit, Is.EqualTo(ExitCodes.FarmFailure), error.ToString());
            Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)));
            var lines = error.ToString().TrimEnd().Split(Environment.NewLine);
            Assert.That(lines[0], Does.StartWith($"lab nightly: the farm failed: plan lab-smoke: add-on metallb v0.15.3 is not available: metallb-v0.15.3/metallb-native.yaml is not in the add-on cache {emptyCache.Path}"));
            Assert.That(lines[0], Does.Contain("`testfarm addons fetch`").And.Contain("TESTFARM_ADDON_MIRROR").And.Contain("TESTFARM_MANIFESTS")
                .And.Contain("https://raw.githubusercontent.com/metallb/metallb/v0.15.3/config/manifests/metallb-native.yaml"));
            Assert.That(lines[^1], Does.StartWith("add-on rook-ceph v1.17.9 is not available").And.Contain("https://raw.githubusercontent.com/rook/rook/v1.17.9/deploy/examples/crds.yaml"));
            Assert.That(Directory.Exists(outDir), Is.False, "nothing was started: no run folder, no image, no lab");
        }
        finally
        {
            foreach (var (name, value) in saved) Environment.SetEnvironmentVariable(name, value);
        }
    }
}
