using System.Text.Json.Nodes;
using System.Xml.Linq;
using TestFarm.Cli.Commands.Nightly;
using TestFarm.Scenarios;
using TestFarm.Testing;

namespace TestFarm.Cli.Tests.Nightly;

/// <summary>
/// The main job's whole path on a plan of the nightly's shape, kept small for CI: store, gang reservation,
/// reimage through virtual BMCs and the boot service, verification, simulated cluster with the real MetalLB
/// and Rook manifests, a suite, cleaning, release, and reports that agree with each other.
/// </summary>
[CancelAfter(300_000), NonParallelizable]
public sealed class LabNightlyEndToEndTests
{
    private const string Plan = """
        name: lab-smoke
        trigger: { kind: manual }
        matrix:
          profiles:
            - name: epyc-9354-e810
          topologies:
            - name: 1cp-1w
              roles:
                - { name: control-plane, count: 1 }
                - { name: worker, count: 1 }
        cluster:
          deployer: lab
          kubernetesVersion: 1.32.3
          addOns:
            - { name: metallb, version: 0.15.3 }
            - { name: rook-ceph, version: 1.17.9 }
        suites: [conformance-quick]
        timeouts: { reimage: 5m, deploy: 5m, addons: 5m, suites: 5m, clean: 5m }
        """;

    [Test]
    public async Task A_plan_runs_through_the_whole_pipeline_in_the_lab_and_its_reports_agree(CancellationToken ct)
    {
        if (!File.Exists(Fixtures.Repo(".tools", "kernel", "vmlinuz"))) Assert.Fail("no lab kernel in .tools/kernel: run scripts/install-deps.sh");
        using var root = new TempDirectory("tf-nightly");
        Directory.CreateDirectory(Path.Combine(root.Path, "hardware-profiles"));
        Directory.CreateDirectory(Path.Combine(root.Path, "scenarios", "plans"));
        Directory.CreateDirectory(Path.Combine(root.Path, "scenarios", "suites"));
        File.Copy(Fixtures.Repo("hardware-profiles", "epyc-9354-e810.yaml"), Path.Combine(root.Path, "hardware-profiles", "epyc-9354-e810.yaml"));
        File.Copy(Fixtures.Repo("scenarios", "suites", "conformance-quick.yaml"), Path.Combine(root.Path, "scenarios", "suites", "conformance-quick.yaml"));
        await File.WriteAllTextAsync(Path.Combine(root.Path, "scenarios", "plans", "lab-smoke.yaml"), Plan, ct);
        await File.WriteAllTextAsync(Path.Combine(root.Path, "pool.yaml"), """
            machines:
              - id: m1
                profile: epyc-9354-e810
                provisioningMac: "52:54:00:00:10:01"
                bmc: { url: "http://127.0.0.1:8000/bmc/m1", credentials: { user: admin, passwordEnv: TESTFARM_LAB_BMC_PASSWORD } }
              - id: m2
                profile: epyc-9354-e810
                provisioningMac: "52:54:00:00:10:02"
                bmc: { url: "http://127.0.0.1:8000/bmc/m2", credentials: { user: admin, passwordEnv: TESTFARM_LAB_BMC_PASSWORD } }
            """, ct);
        Directory.CreateSymbolicLink(Path.Combine(root.Path, ".tools"), Fixtures.Repo(".tools"));
        Environment.SetEnvironmentVariable("TESTFARM_MANIFESTS", Fixtures.Shared("manifests"));
        Environment.SetEnvironmentVariable("TESTFARM_SONOBUOY_RESULTS", Fixtures.Shared("sonobuoy", "results-quick-no-failures.tar.gz"));
        var outDir = Path.Combine(root.Path, "out");
        var error = new StringWriter();
        try
        {
            var command = new LabNightlyCommand(ScenariosServiceCollectionExtensions.BuiltInValidators(), TimeProvider.System);
            var exit = await command.RunAsync(new LabNightlyOptions { Root = root.Path, Plan = "lab-smoke", Out = outDir }, verbose: false, error, ct);
            Assert.That(exit, Is.EqualTo(ExitCodes.Success), error.ToString());
        }
        finally
        {
            Environment.SetEnvironmentVariable("TESTFARM_MANIFESTS", null);
            Environment.SetEnvironmentVariable("TESTFARM_SONOBUOY_RESULTS", null);
        }

        var run = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, "run.json"), ct))!;
        var cell = run["cells"]!.AsArray().Single()!;
        Assert.That(cell["cellId"]!.GetValue<string>(), Is.EqualTo("lab-smoke/epyc-9354-e810/1cp-1w"));
        Assert.That(cell["phases"]!.AsArray().Where(p => !p!["phase"]!.GetValue<string>().Contains('/')).Select(p => p!["phase"]!.GetValue<string>()),
            Is.EqualTo(new[] { "reserve", "reimage", "deploy", "addons", "suites", "clean", "release" }));
        Assert.That(cell["phases"]!.AsArray().All(p => p!["succeeded"]!.GetValue<bool>()), Is.True, cell.ToJsonString());
        Assert.That(cell["evidence"]!["metallb"]!.GetValue<string>(), Is.EqualTo("v0.15.3"));
        Assert.That(cell["evidence"]!["rook-ceph"]!.GetValue<string>(), Is.EqualTo("v1.17.9"));

        var tests = cell["tests"]!.AsArray().Count;
        Assert.That(tests, Is.GreaterThan(0));
        var junit = XDocument.Load(Path.Combine(outDir, "junit.xml"));
        Assert.That(junit.Descendants("testcase").Count(), Is.EqualTo(tests), "JUnit lists every test of the run");
        Assert.That(Directory.GetFiles(Path.Combine(outDir, "allure-results"), "*-result.json"), Has.Length.EqualTo(tests), "Allure has a result per test");
        var html = await File.ReadAllTextAsync(Path.Combine(outDir, "report.html"), ct);
        Assert.That(html, Does.Contain("lab-smoke/epyc-9354-e810/1cp-1w"));
        Assert.That(File.Exists(Path.Combine(outDir, "report.md")), Is.True);
    }
}
