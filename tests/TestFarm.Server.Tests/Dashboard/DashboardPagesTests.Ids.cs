using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;
using TestFarm.Core.Machines;
using TestFarm.Core.Provisioning;
using TestFarm.Core.Results;
using TestFarm.Core.Runs;
using TestFarm.Server.Hosting;
using TestFarm.Server.Tests.Serve;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Tests.Dashboard;

/// <summary>Ids with reserved characters through every page's links and routes; a machine's inventory drift on its page.</summary>
public sealed partial class DashboardPagesTests
{
    /// <summary>'/', an escaped slash written literally, a space, '#', '?', '%' and '&lt;': each must reach the handler as it is.</summary>
    private const string Odd = "a/b%2Fc d#e?f&<g>";

    [Test]
    public async Task Ids_with_slashes_and_reserved_characters_round_trip_through_every_link_and_route()
    {
        var store = _api.App.Services.GetRequiredService<SqlFarmStore>();
        var machineId = "rack7/" + Odd;
        var runId = "nightly/" + Odd;
        var cellId = "cell/" + Odd;
        var testId = "suite/" + Odd;
        await store.RegisterAsync([new MachineRegistration(machineId, "epyc-9354-e810", "l2-odd")]);
        await store.CreateRunAsync(runId, "odd-plan", "nightly", null, [cellId]);
        await store.TakeCellAttemptAsync(runId, cellId, "test");
        var start = DateTimeOffset.UnixEpoch.AddDays(20_000);
        await store.CompleteCellAsync(runId, new CellResult
        {
            CellId = cellId, Plan = "odd-plan", Profile = "epyc-9354-e810", Arch = "amd64", Topology = "one", Verdict = Verdict.Failed, Machines = [machineId],
            Phases = [new PhaseTiming { Phase = "reserve", Start = start, Duration = TimeSpan.FromSeconds(2) }, new PhaseTiming { Phase = "suites", Start = start, Duration = TimeSpan.FromSeconds(5), Succeeded = false }],
            Tests = [new TestResult { TestId = testId, Name = "odd test " + Odd, Suite = "suite", Verdict = Verdict.Failed, Message = "boom" }],
        });
        await store.EndRunAsync(runId, RunState.Failed, RunState.Failed, "a cell failed");

        using var pages = Pages();
        await pages.LoginAsync(ServeFixture.OperatorSecret);
        var (_, fleet, _) = await pages.GetAsync("/");
        var machineLink = Follow(fleet, "/machines/", machineId);
        var (ms, machine, _) = await pages.GetAsync(machineLink);
        Assert.That(ms, Is.EqualTo(HttpStatusCode.OK), machine);
        Assert.That(machine, Does.Contain($"<h1>Machine {WebUtility.HtmlEncode(machineId)}</h1>").Or.Contain($"<h1>Machine {System.Text.Encodings.Web.HtmlEncoder.Default.Encode(machineId)}</h1>"));

        var (_, runs, _) = await pages.GetAsync("/runs?plan=odd-plan");
        var runLink = Follow(runs, "/runs/", runId);
        var (rs, run, _) = await pages.GetAsync(runLink);
        Assert.That(rs, Is.EqualTo(HttpStatusCode.OK), run);
        Assert.That(Regex.Matches(run, "data-phase=\"(\\w+)\" data-seconds=\"([\\d.]+)\"").Select(m => (m.Groups[1].Value, m.Groups[2].Value)), Is.EqualTo(new[] { ("reserve", "2"), ("suites", "5") }));
        var cellLink = Follow(run, "/runs/", runId, cellId);
        var (cs, cell, _) = await pages.GetAsync(cellLink);
        Assert.That(cs, Is.EqualTo(HttpStatusCode.OK), cell);
        Assert.That(Follow(cell, "/machines/", machineId), Is.EqualTo(machineLink), "the cell links its machine");
        var testLink = Follow(cell, "/tests/", testId);
        var (ts, test, _) = await pages.GetAsync(testLink);
        Assert.That(ts, Is.EqualTo(HttpStatusCode.OK), test);
        Assert.That(Follow(test, "/runs/", runId), Is.EqualTo(runLink), "the history links back to the run");
        Assert.That(Follow(test, "/runs/", runId, cellId), Is.EqualTo(cellLink), "and to the cell");

        using (var live = new HttpRequestMessage(HttpMethod.Get, $"/live/runs/{Uri.EscapeDataString(runId)}"))
        {
            using var stream = await pages.Http.SendAsync(live, HttpCompletionOption.ResponseHeadersRead);
            Assert.That(stream.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the live stream finds the run");
        }
        // A form's action on that machine: posted to its escaped path, back to the same page.
        var (ds, _, drained) = await pages.PostFormAsync(machineLink + "/drain", [new("__tf_csrf", PageClient.Csrf(machine)), new("reason", "odd id")]);
        Assert.That(ds, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(drained.Headers.Location!.ToString(), Is.EqualTo(machineLink + "#events"));
        Assert.That((await store.ListMachinesAsync()).Single(m => m.Id == machineId).State, Is.EqualTo(MachineState.Quarantined));
        // An id that differs only in the escape ('a%2Fb' vs 'a/b') is another id.
        var (other, _, _) = await pages.GetAsync("/machines/" + Uri.EscapeDataString(machineId.Replace("b%2Fc", "b/c", StringComparison.Ordinal)));
        Assert.That(other, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task A_machines_page_highlights_where_its_last_inspection_differs_from_its_profile()
    {
        var store = _api.App.Services.GetRequiredService<SqlFarmStore>();
        var profile = _api.App.Services.GetRequiredService<FarmServerOptions>().Configuration.Profile("epyc-9354-e810")!;
        await store.RegisterAsync([new MachineRegistration("drifted-1", profile.Name, "l2-drift")]);
        using var pages = Pages();
        await pages.LoginAsync(ServeFixture.ViewerSecret);
        var (_, before, _) = await pages.GetAsync("/machines/drifted-1");
        Assert.That(before, Does.Contain("data-inspection=\"none\""));

        // The BMC saw fewer cores and another BIOS; memory as declared. The health check records the drift as it does.
        var observed = new ObservedHardware
        {
            CoreCount = profile.Cpu.Cores * profile.Cpu.Sockets - 8, MemoryGiB = profile.MemoryGiB,
            Firmware = [new ObservedFirmware { Name = "BIOS", Version = "0.0.1-odd" }],
        };
        var drift = HardwareDrift.Compare(profile, observed);
        Assert.That(drift.Select(d => d.Component), Is.EqualTo(new[] { "cpu.cores", "firmware.bios" }), "the fixture's profile declares a BIOS");
        await store.RecordHealthAsync(new HealthRecord
        {
            MachineId = "drifted-1", At = DateTimeOffset.UnixEpoch.AddDays(20_000), Health = MachineHealth.Healthy,
            Checks = [new HealthCheckResult("bmc-reachable", true), new HealthCheckResult("inventory", false, HealthComponent.Inventory, string.Join("; ", drift))],
        });
        var (status, page, _) = await pages.GetAsync("/machines/drifted-1");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), page);
        Assert.That(page, Does.Contain("data-inspection=\"drift\""));
        var rows = Regex.Matches(page, "<tr( class=\"drift\")? data-component=\"([^\"]+)\">(.*?)</tr>").ToDictionary(m => m.Groups[2].Value, m => (Drift: m.Groups[1].Success, Text: m.Groups[3].Value));
        Assert.That(rows.Where(r => r.Value.Drift).Select(r => r.Key), Is.EqualTo(new[] { "cpu.cores", "firmware.bios" }));
        Assert.That(rows["cpu.cores"].Text, Does.Contain($"<td>{profile.Cpu.Cores * profile.Cpu.Sockets - 8}</td>").And.Contain("differs"));
        Assert.That(rows["firmware.bios"].Text, Does.Contain($"<td>{profile.Firmware.Bios}</td><td>0.0.1-odd</td>"));
        Assert.That(rows["memory"].Text, Does.Contain("as declared").And.Contain("matches"));
        Assert.That(rows.Keys, Is.SupersetOf(new[] { "cpu.sockets", "nics", "drives", "firmware.bmc" }), "CPU, memory, NICs, disks and firmware");
    }

    [Test]
    public async Task After_the_lab_run_its_machines_pages_show_the_inventory_their_agent_reported()
    {
        var machines = _run["cells"]!.AsArray().SelectMany(c => c!["machines"]!.AsArray().Select(m => m!.GetValue<string>())).ToList();
        Assert.That(machines, Is.Not.Empty);
        using var pages = Pages();
        await pages.LoginAsync(ServeFixture.ViewerSecret);
        foreach (var machine in machines)
        {
            var inventory = (await _api.GetAsync($"/api/v1/machines/{machine}"))["inventory"]!;
            Assert.That(inventory["source"]!.GetValue<string>(), Is.EqualTo("AgentReport"), machine);
            var macs = inventory["hardware"]!["nics"]!.AsArray().Select(n => n!["mac"]!.GetValue<string>()).ToList();
            Assert.That(macs, Is.Not.Empty, machine);
            Assert.That(inventory["drift"]!.AsArray(), Is.Empty, $"{machine}: the lab's machines are as their profile declares");
            var (status, page, _) = await pages.GetAsync($"/machines/{machine}");
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK), page);
            Assert.That(page, Does.Contain("data-inspection=\"match\" data-source=\"AgentReport\""), machine);
            foreach (var mac in macs) Assert.That(page, Does.Contain($"MAC {mac}"), machine);
            Assert.That(page, Does.Not.Contain("class=\"drift\""), machine);
        }
    }

    /// <summary>The one link in <paramref name="html"/> that, unescaped, is <paramref name="prefix"/> + the ids (a cell's after '/cells/').</summary>
    private static string Follow(string html, string prefix, string id, string? cell = null)
    {
        var want = prefix + id + (cell is null ? "" : "/cells/" + cell);
        var hrefs = Regex.Matches(html, "href=\"([^\"]+)\"").Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).Distinct().ToList();
        var found = hrefs.Where(h => !h.Contains('?', StringComparison.Ordinal) && Unescape(h) == want).ToList();
        Assert.That(found, Has.Count.EqualTo(1), $"one link to {want} among {string.Join(" ", hrefs)}");
        return found[0];
    }

    private static string Unescape(string href) => string.Join('/', href.Split('#')[0].Split('/').Select(Uri.UnescapeDataString));
}
