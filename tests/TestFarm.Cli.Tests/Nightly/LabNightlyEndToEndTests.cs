using System.Text.Json.Nodes;
using System.Xml.Linq;
using TestFarm.Cli.Commands.Nightly;
using TestFarm.Lab.Machines;
using TestFarm.Scenarios;
using TestFarm.Testing;

namespace TestFarm.Cli.Tests.Nightly;

/// <summary>
/// The main job's whole path on a plan of the nightly's shape, kept small for CI: store, gang reservation,
/// reimage through virtual BMCs and the boot service — one machine a real QEMU guest that network-boots the
/// lab image through iPXE, as <c>lab nightly --qemu 1</c> does — verification, simulated cluster with the real
/// MetalLB and Rook manifests, a suite, cleaning, release, and reports that agree with each other; and a cell
/// served by an arm64 QEMU guest booting through UEFI PXE and GRUB, as <c>lab nightly --qemu-arm64 1</c> does.
/// </summary>
[CancelAfter(300_000), NonParallelizable]
public sealed class LabNightlyEndToEndTests
{
    [Test]
    public async Task A_plan_runs_through_the_whole_pipeline_in_the_lab_and_its_reports_agree(CancellationToken ct)
    {
        if (!File.Exists(Fixtures.Repo(".tools", "kernel", "vmlinuz"))) Assert.Fail("no lab kernel in .tools/kernel: run scripts/install-deps.sh");
        if (!QemuOptions.IsAvailable()) Assert.Fail("qemu-system-x86_64 is not installed: run scripts/install-deps.sh");
        using var root = new TempDirectory("tf-nightly");
        var runDir = await RunAsync(root.Path, ["epyc-9354-e810", "lab-qemu-amd64"], Pool(
                ("m1", "epyc-9354-e810", "52:54:00:00:10:01"), ("m2", "epyc-9354-e810", "52:54:00:00:10:02"),
                ("q1", "lab-qemu-amd64", "52:54:00:00:10:03"), ("q2", "lab-qemu-amd64", "52:54:00:00:10:04")),
            // No spares: the lab-qemu cell needs both of its profile's machines, so the QEMU one is surely used.
            new LabNightlyOptions { Root = root.Path, Plan = "lab-smoke", QemuMachines = 1, QemuArm64Machines = 0, SparesPerProfile = 0 }, ct);

        var outDir = Path.Combine(root.Path, "out");
        var run = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(runDir, "run.json"), ct))!;
        var cells = run["cells"]!.AsArray().Select(c => c!).ToList();
        Assert.That(cells.Select(c => c["cellId"]!.GetValue<string>()),
            Is.EqualTo(new[] { "lab-smoke/epyc-9354-e810/1cp-1w", "lab-smoke/lab-qemu-amd64/1cp-1w" }));
        foreach (var cell in cells)
        {
            Assert.That(cell["phases"]!.AsArray().Where(p => !p!["phase"]!.GetValue<string>().Contains('/')).Select(p => p!["phase"]!.GetValue<string>()),
                Is.EqualTo(new[] { "reserve", "reimage", "deploy", "addons", "suites", "clean", "release" }));
            Assert.That(cell["phases"]!.AsArray().All(p => p!["succeeded"]!.GetValue<bool>()), Is.True, cell.ToJsonString());
            Assert.That(cell["evidence"]!["metallb"]!.GetValue<string>(), Is.EqualTo("v0.15.3"));
            Assert.That(cell["evidence"]!["rook-ceph"]!.GetValue<string>(), Is.EqualTo("v1.17.9"));
            Assert.That(cell["verdict"]!.GetValue<string>(), Is.EqualTo("Passed"), cell.ToJsonString());
        }

        // The QEMU machine really booted the image: it is in the cell, verified with the image's digest, and its
        // console shows the agent calling back and wiping its disks on cleaning.
        var qemuCell = cells[1];
        Assert.That(qemuCell["machines"]!.AsArray().Select(m => m!.GetValue<string>()), Does.Contain("qemu-01"));
        Assert.That(qemuCell["evidence"]!["image.qemu-01"]!.GetValue<string>(), Does.StartWith("sha256:"));
        Assert.That(qemuCell["reimagePaths"]!["qemu-01"]!.GetValue<string>(), Is.EqualTo("full"), "a machine's first lease of the run boots the full way");
        var console = await File.ReadAllTextAsync(Path.Combine(outDir, "lab", "qemu-01", "console.log"), ct);
        Assert.That(console, Does.Contain("testfarm-agent: booted reported").And.Contain("testfarm-agent: wipe done"));

        // The store saw every machine state of DESIGN.md on the way, with reasons.
        await using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(outDir, "farm.db")};Mode=ReadOnly;Pooling=False"))
        {
            await db.OpenAsync(ct);
            using var query = db.CreateCommand();
            query.CommandText = "SELECT to_state FROM events WHERE kind = 'machine' AND subject = 'qemu-01' ORDER BY seq";
            var states = new List<string>();
            await using (var reader = await query.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct)) states.Add(reader.GetString(0));
            Assert.That(states, Is.EqualTo(new[] { "Available", "Reserved", "Provisioning", "InUse", "Cleaning", "Available" }).Or.EqualTo(
                new[] { "Reserved", "Provisioning", "InUse", "Cleaning", "Available" }));
            using var phases = db.CreateCommand();
            phases.CommandText = "SELECT count(*) FROM events WHERE kind = 'phase' AND from_state = 'suites' AND to_state = 'Started'";
            Assert.That(Convert.ToInt32(await phases.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(2),
                "each cell's phases are audited");
        }

        var tests = cells.Sum(c => c["tests"]!.AsArray().Count);
        Assert.That(tests, Is.GreaterThan(0));
        var junit = XDocument.Load(Path.Combine(runDir, "junit.xml"));
        Assert.That(junit.Descendants("testcase").Count(), Is.EqualTo(tests), "JUnit lists every test of the run");
        Assert.That(Directory.GetFiles(Path.Combine(runDir, "allure-results"), "*-result.json"), Has.Length.EqualTo(tests), "Allure has a result per test");
        var html = await File.ReadAllTextAsync(Path.Combine(runDir, "report.html"), ct);
        Assert.That(html, Does.Contain("lab-smoke/epyc-9354-e810/1cp-1w").And.Contain("lab-smoke/lab-qemu-amd64/1cp-1w"));
        var markdown = await File.ReadAllTextAsync(Path.Combine(runDir, "report.md"), ct);
        Assert.That(markdown, Does.Contain("lab-qemu-amd64"));
    }

    /// <summary>A pool file of lab machines, each with its virtual BMC on the lab's address.</summary>
    private static string Pool(params (string Id, string Profile, string Mac)[] machines) =>
        "machines:\n" + string.Concat(machines.Select(m =>
            $"  - id: {m.Id}\n    profile: {m.Profile}\n    provisioningMac: \"{m.Mac}\"\n" +
            $"    bmc: {{ url: \"http://127.0.0.1:8000/bmc/{m.Id}\", credentials: {{ user: admin, passwordEnv: TESTFARM_LAB_BMC_PASSWORD }} }}\n"));

    /// <summary>
    /// Writes a checkout with the given profiles, the smoke plan on them and the pool, runs <c>lab nightly</c> on it
    /// (with the real .tools, the shared manifests and, when given, recorded conformance results named in its conformance step) and checks its exit code;
    /// returns the run's folder (<c>out/runs/&lt;run-id&gt;/</c>).
    /// </summary>
    private static async Task<string> RunAsync(string root, string[] profiles, string pool, LabNightlyOptions options, CancellationToken ct,
        int exitCode = ExitCodes.Success, string? sonobuoy = null, string? manifests = null)
    {
        Directory.CreateDirectory(Path.Combine(root, "hardware-profiles"));
        Directory.CreateDirectory(Path.Combine(root, "scenarios", "plans"));
        Directory.CreateDirectory(Path.Combine(root, "scenarios", "suites"));
        foreach (var profile in profiles)
            File.Copy(Fixtures.Repo("hardware-profiles", profile + ".yaml"), Path.Combine(root, "hardware-profiles", profile + ".yaml"));
        var suite = await File.ReadAllTextAsync(Fixtures.Repo("scenarios", "suites", "conformance-quick.yaml"), ct);
        // Other recorded results than a clean quick run: named in the step, so they are imported instead of the lab's own run.
        if (sonobuoy is not null) suite = suite.TrimEnd() + $"\n    results: {Fixtures.Shared("sonobuoy", sonobuoy)}\n";
        await File.WriteAllTextAsync(Path.Combine(root, "scenarios", "suites", "conformance-quick.yaml"), suite, ct);
        await File.WriteAllTextAsync(Path.Combine(root, "scenarios", "plans", "lab-smoke.yaml"), LabPlans.Smoke("{ kind: manual }", profiles), ct);
        await File.WriteAllTextAsync(Path.Combine(root, "pool.yaml"), pool, ct);
        Directory.CreateSymbolicLink(Path.Combine(root, ".tools"), Fixtures.Repo(".tools"));
        Environment.SetEnvironmentVariable("TESTFARM_MANIFESTS", manifests ?? Fixtures.Shared("manifests"));
        var outDir = Path.Combine(root, "out");
        var error = new StringWriter();
        try
        {
            var command = new LabNightlyCommand(ScenariosServiceCollectionExtensions.BuiltInValidators(), TimeProvider.System);
            var exit = await command.RunAsync(options with { Out = outDir }, verbose: false, error, ct);
            Assert.That(exit, Is.EqualTo(exitCode), error.ToString());
        }
        finally
        {
            Environment.SetEnvironmentVariable("TESTFARM_MANIFESTS", null);
        }
        return Directory.GetDirectories(Path.Combine(outDir, "runs")).Single();
    }

    [Test]
    public async Task An_arm64_QEMU_machine_serves_its_cell_through_UEFI_PXE_and_GRUB_and_is_wiped_after(CancellationToken ct)
    {
        using var root = new TempDirectory("tf-nightly-arm64");
        if (LabFarm.Arm64QemuMissing(Fixtures.RepositoryRoot) is { } missing) Assert.Fail($"the arm64 boot chain is missing: {missing}");
        var runDir = await RunAsync(root.Path, ["lab-qemu-arm64"],
            Pool(("a1", "lab-qemu-arm64", "52:54:00:00:20:01"), ("a2", "lab-qemu-arm64", "52:54:00:00:20:02")),
            new LabNightlyOptions { Root = root.Path, Plan = "lab-smoke", QemuMachines = 0, QemuArm64Machines = 1, SparesPerProfile = 0 }, ct);

        var outDir = Path.Combine(root.Path, "out");
        var cell = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(runDir, "run.json"), ct))!["cells"]!.AsArray().Single()!;
        Assert.That(cell["cellId"]!.GetValue<string>(), Is.EqualTo("lab-smoke/lab-qemu-arm64/1cp-1w"));
        Assert.That(cell["verdict"]!.GetValue<string>(), Is.EqualTo("Passed"), cell.ToJsonString());
        Assert.That(cell["machines"]!.AsArray().Select(m => m!.GetValue<string>()), Does.Contain("qemu-a64-01"));
        Assert.That(cell["evidence"]!["image.qemu-a64-01"]!.GetValue<string>(), Does.StartWith("sha256:"));
        var console = await File.ReadAllTextAsync(Path.Combine(outDir, "lab", "qemu-a64-01", "console.log"), ct);
        Assert.That(console, Does.Contain("Start PXE over IPv4"), "the UEFI firmware network-booted");
        Assert.That(console, Does.Contain("TestFarm lab: GRUB sources /boot/v1/grub"), "GRUB ran the lab's grub.cfg");
        Assert.That(console, Does.Contain("cloud-arm64").And.Contain("testfarm-agent: booted reported").And.Contain("testfarm-agent: wipe done"));
    }

    [Test]
    public async Task Product_failures_exit_1_and_the_run_ends_Failed(CancellationToken ct)
    {
        using var root = new TempDirectory("tf-nightly-failed");
        var runDir = await RunAsync(root.Path, ["epyc-9354-e810"], Pool(("m1", "epyc-9354-e810", "52:54:00:00:30:01"), ("m2", "epyc-9354-e810", "52:54:00:00:30:02")),
            new LabNightlyOptions { Root = root.Path, Plan = "lab-smoke", QemuMachines = 0, QemuArm64Machines = 0 }, ct,
            exitCode: ExitCodes.ProductFailure, sonobuoy: "results-4-e2e-failures.tar.gz");
        var cell = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(runDir, "run.json"), ct))!["cells"]!.AsArray().Single()!;
        Assert.That(cell["verdict"]!.GetValue<string>(), Is.EqualTo("Failed"), cell.ToJsonString());
        Assert.That(await RunStateAsync(root.Path, ct), Is.EqualTo(("Failed", "Failed")));
    }

    [Test]
    public async Task A_farm_failure_exits_3_and_the_run_ends_InfraError(CancellationToken ct)
    {
        using var root = new TempDirectory("tf-nightly-infra");
        // The conformance step names recorded results that are not there: the farm's own failure, not the product's.
        var runDir = await RunAsync(root.Path, ["epyc-9354-e810"], Pool(("m1", "epyc-9354-e810", "52:54:00:00:40:01"), ("m2", "epyc-9354-e810", "52:54:00:00:40:02")),
            new LabNightlyOptions { Root = root.Path, Plan = "lab-smoke", QemuMachines = 0, QemuArm64Machines = 0 }, ct,
            exitCode: ExitCodes.FarmFailure, sonobuoy: "no-such-results.tar.gz");
        var cell = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(runDir, "run.json"), ct))!["cells"]!.AsArray().Single()!;
        Assert.That(cell["verdict"]!.GetValue<string>(), Is.EqualTo("InfraError"), cell.ToJsonString());
        Assert.That(await RunStateAsync(root.Path, ct), Is.EqualTo(("InfraError", "InfraError")));
    }

    [Test]
    public async Task A_lab_that_cannot_be_set_up_exits_3_naming_why()
    {
        using var root = new TempDirectory("tf-nightly-setup");
        var error = new StringWriter();
        Directory.CreateDirectory(Path.Combine(root.Path, "hardware-profiles"));
        Directory.CreateDirectory(Path.Combine(root.Path, "scenarios", "plans"));
        Directory.CreateDirectory(Path.Combine(root.Path, "scenarios", "suites"));
        File.Copy(Fixtures.Repo("hardware-profiles", "epyc-9354-e810.yaml"), Path.Combine(root.Path, "hardware-profiles", "epyc-9354-e810.yaml"));
        File.Copy(Fixtures.Repo("scenarios", "suites", "conformance-quick.yaml"), Path.Combine(root.Path, "scenarios", "suites", "conformance-quick.yaml"));
        await File.WriteAllTextAsync(Path.Combine(root.Path, "scenarios", "plans", "lab-smoke.yaml"), LabPlans.Smoke("{ kind: manual }", "epyc-9354-e810"));
        var command = new LabNightlyCommand(ScenariosServiceCollectionExtensions.BuiltInValidators(), TimeProvider.System);
        Environment.SetEnvironmentVariable("TESTFARM_MANIFESTS", Fixtures.Shared("manifests"));
        int exit;
        try
        {
            exit = await command.RunAsync(new LabNightlyOptions { Root = root.Path, Plan = "lab-smoke", QemuMachines = 0, QemuArm64Machines = 0, Machines = 1, Out = Path.Combine(root.Path, "out") },
                verbose: false, error, CancellationToken.None);
        }
        finally
        {
            Environment.SetEnvironmentVariable("TESTFARM_MANIFESTS", null);
        }
        Assert.That(exit, Is.EqualTo(ExitCodes.FarmFailure));
        Assert.That(error.ToString(), Does.StartWith("lab nightly: the farm failed: --machines 1: plan lab-smoke needs at least"));
    }

    /// <summary>The state and verdict of the one run in the store lab nightly left in <c>out/farm.db</c>.</summary>
    private static async Task<(string State, string Verdict)> RunStateAsync(string root, CancellationToken ct)
    {
        await using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(root, "out", "farm.db")};Mode=ReadOnly;Pooling=False");
        await db.OpenAsync(ct);
        using var query = db.CreateCommand();
        query.CommandText = "SELECT state, verdict FROM runs";
        await using var reader = await query.ExecuteReaderAsync(ct);
        Assert.That(await reader.ReadAsync(ct), Is.True, "the run is in the store");
        return (reader.GetString(0), reader.GetString(1));
    }
}
