using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TestFarm.Cli.Commands.Nightly;
using TestFarm.Cli.Commands.Validate;
using TestFarm.Core.Bmc;
using TestFarm.Core.Configuration;
using TestFarm.Lab.Machines;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Scenarios;
using TestFarm.Server.Hosting;
using TestFarm.Server.Runs;
using TestFarm.Server.Tests.Serve;
using TestFarm.Storage;
using TestFarm.Storage.Database;
using TestFarm.Testing;

namespace TestFarm.Server.Tests.Consoles;

/// <summary>
/// The console API on a real QEMU lab machine: reimaged with the lab image by the farm's provisioner (iPXE network boot from
/// the boot service, the agent's callback), its serial console read through the API shows the firmware and the agent's boot
/// lines; <c>uname -a</c> typed through the API is answered by the image's shell on ttyS0; a power cycle through the API
/// shows the firmware starting again. Skipped, saying so, when QEMU is not installed.
/// </summary>
[CancelAfter(300_000), NonParallelizable]
public sealed partial class ConsoleQemuTests
{
    [Test]
    public async Task A_qemu_machines_console_shows_its_boot_and_answers_uname_typed_through_the_api(CancellationToken ct)
    {
        if (!QemuOptions.IsAvailable()) Assert.Ignore("qemu-system-x86_64 is not installed: the console of a real QEMU machine was NOT checked");
        if (!File.Exists(Fixtures.Repo(".tools", "kernel", "vmlinuz"))) Assert.Fail("no lab kernel in .tools/kernel: run scripts/install-deps.sh");
        using var root = new TempDirectory("tf-console-qemu");
        var config = WriteCheckout(root.Path);
        var (lab, started) = await ServeFixture.StartQemuLabAsync(config, root.Path, "console-qemu", qemuMachines: 1, ct);
        await using var owned = lab;
        await using var app = started;
        using var api = new ApiClient(new Uri(FarmServer.BoundAddress(app)), app);
        const string machine = "qemu-01";
        var pool = lab.Pool.Machines.Single(m => m.Id == machine);

        // The farm's own reimage (through serve's backend, as its engine and reservations reimage): one-time PXE through the
        // virtual BMC, iPXE from the boot service, the agent calls back.
        var reimage = await app.Services.GetRequiredService<IFarmBackend>().Provisioner.ReimageAsync(new CellMachine(pool, lab.Profiles[pool.Profile], "worker"), lab.BuildId, trusted: true, _ => Task.CompletedTask, ct);
        // The agent prints its "booted reported" line after the farm has answered its callback, so the reimage can end first.
        var console = reimage.Succeeded ? await WaitForAsync(api, t => t.Contains("testfarm-agent: booted reported", StringComparison.Ordinal), ct) : await ConsoleAsync(api);
        Assert.That(reimage.Succeeded, Is.True, $"{reimage.FailedPhase}: {reimage.Error}\n{console}");
        Assert.That(console, Does.Contain("SeaBIOS").And.Contain("iPXE").And.Contain("testfarm-agent: booted reported"), "the boot, read through the API");

        // What the real agent reported of the QEMU machine is kept: the API and the machine page show it, with its source.
        var inventory = (await api.GetAsync($"/api/v1/machines/{machine}"))["inventory"]!;
        Assert.That(inventory["source"]!.GetValue<string>(), Is.EqualTo("AgentReport"));
        Assert.That(inventory["hardware"]!["memoryGiB"]!.GetValue<double>(), Is.EqualTo(reimage.Observed!.MemoryGiB));
        var macs = inventory["hardware"]!["nics"]!.AsArray().Select(n => n!["mac"]!.GetValue<string>()).ToList();
        Assert.That(macs, Does.Contain(pool.ProvisioningMac), "the NIC it booted from");
        using (var pages = new TestFarm.Server.Tests.Dashboard.PageClient(new Uri(FarmServer.BoundAddress(app))))
        {
            var (pageStatus, page, _) = await pages.GetAsync($"/machines/{machine}", ServeFixture.ViewerSecret);
            Assert.That(pageStatus, Is.EqualTo(HttpStatusCode.OK), page);
            Assert.That(page, Does.Contain("data-source=\"AgentReport\"").And.Contain($"MAC {pool.ProvisioningMac}"));
            var memory = reimage.Observed.MemoryGiB!.Value.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
            Assert.That(Regex.Match(page, "<tr( class=\"drift\")? data-component=\"memory\">.*?</tr>").Value, Does.Contain($"<td>{memory} GiB</td>"));
        }

        var before = console.Length;
        var (status, body, text, _) = await api.SendAsync(HttpMethod.Post, $"/api/v1/machines/{machine}/console", ServeFixture.OperatorSecret, new { input = "uname -a\n" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), text);
        var answered = await WaitForAsync(api, s => s.Length > before && UnameAnswer().IsMatch(s[before..]), ct);
        TestContext.Out.WriteLine(answered[before..]);
        Assert.That(UnameAnswer().Match(answered[before..]).Value, Does.StartWith("Linux ").And.Contain("x86_64"));
        Assert.That(File.ReadAllText(Path.Combine(root.Path, "data", "consoles", machine, body!["session"]!.GetValue<string>() + ".log")), Does.Contain("\"uname -a\\n\""));

        // A power cycle through the API: the firmware starts again, seen in the same console.
        var cycledFrom = answered.Length;
        (status, body, text, _) = await api.SendAsync(HttpMethod.Post, $"/api/v1/machines/{machine}/power", ServeFixture.OperatorSecret, new { action = "ForceRestart" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(body!["powerState"]!.GetValue<string>(), Is.EqualTo("On"));
        await WaitForAsync(api, s => s.Length > cycledFrom && s[cycledFrom..].Contains("SeaBIOS", StringComparison.Ordinal), ct);

        (status, body, text, _) = await api.SendAsync(HttpMethod.Post, $"/api/v1/machines/{machine}/power", ServeFixture.OperatorSecret, new { action = "ForceOff" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), text);
        await using (var bmc = lab.Bmcs.Create(pool)) Assert.That(await bmc.GetPowerStateAsync(ct), Is.EqualTo(PowerState.Off), "the BMC reports the QEMU machine off");
        (status, _, text, _) = await api.SendAsync(HttpMethod.Post, $"/api/v1/machines/{machine}/console", ServeFixture.OperatorSecret, new { input = "uname -a\n" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Conflict), text);
    }

    /// <summary>The answer of <c>uname -a</c>: the kernel name, host, release, ... and the machine.</summary>
    [GeneratedRegex(@"Linux \S+ \d+\.\d+\S* .*x86_64", RegexOptions.CultureInvariant)]
    private static partial Regex UnameAnswer();

    private static async Task<string> ConsoleAsync(ApiClient api)
    {
        var (status, _, text, _) = await api.SendAsync(HttpMethod.Get, "/api/v1/machines/qemu-01/console?tail=5000", ServeFixture.ViewerSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), text);
        return text;
    }

    /// <summary>Reads the console every 500 ms until <paramref name="done"/> holds (a real guest on TCG: up to 90 s).</summary>
    private static async Task<string> WaitForAsync(ApiClient api, Func<string, bool> done, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var text = await ConsoleAsync(api);
            if (done(text)) return text;
            if (clock.Elapsed > TimeSpan.FromSeconds(90)) Assert.Fail($"not within 90 s; the console:\n{text}");
            await Task.Delay(500, ct);
        }
    }

    private static ConfigurationSet WriteCheckout(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "hardware-profiles"));
        Directory.CreateDirectory(Path.Combine(root, "scenarios", "plans"));
        Directory.CreateDirectory(Path.Combine(root, "scenarios", "suites"));
        File.Copy(Fixtures.Repo("hardware-profiles", "lab-qemu-amd64.yaml"), Path.Combine(root, "hardware-profiles", "lab-qemu-amd64.yaml"));
        File.Copy(Fixtures.Repo("scenarios", "suites", "conformance-quick.yaml"), Path.Combine(root, "scenarios", "suites", "conformance-quick.yaml"));
        File.WriteAllText(Path.Combine(root, "scenarios", "plans", "lab-smoke.yaml"), LabPlans.Smoke("{ kind: manual }", "lab-qemu-amd64"));
        var config = ConfigFileReader.Load(root, null, ScenariosServiceCollectionExtensions.BuiltInValidators());
        if (!config.IsValid) throw new InvalidOperationException(string.Join(Environment.NewLine, config.Errors));
        return config;
    }
}
