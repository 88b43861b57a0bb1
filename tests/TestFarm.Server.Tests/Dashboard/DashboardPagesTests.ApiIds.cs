using System.Net;
using Microsoft.Extensions.DependencyInjection;
using TestFarm.Core.Machines;
using TestFarm.Server.Tests.Serve;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Tests.Dashboard;

/// <summary>Ids with '/' and reserved characters through the API's routes that take a machine, reservation or run id.</summary>
public sealed partial class DashboardPagesTests
{
    // Named to run after Every_page_answers_with_the_apis_ids_and_verdicts (alphabetical order), which links every machine by its plain id.
    [Test]
    public async Task Ids_with_slashes_and_reserved_characters_reach_the_apis_machine_reservation_and_run_routes_as_escaped()
    {
        var store = _api.App.Services.GetRequiredService<SqlFarmStore>();
        var machineId = "rack8/" + Odd;
        await store.RegisterAsync([new MachineRegistration(machineId, "epyc-9354-e810", "l2-odd")]);
        var m = "/api/v1/machines/" + Uri.EscapeDataString(machineId);
        // The same id but for the escape: 'b/c' where the machine has 'b%2Fc'. Without the raw target both arrive as 'b%2Fc'.
        var sibling = machineId.Replace("b%2Fc", "b/c", StringComparison.Ordinal);
        var s = "/api/v1/machines/" + Uri.EscapeDataString(sibling);

        var machine = await _api.GetAsync(m);
        Assert.That(machine["machine"]!["id"]!.GetValue<string>(), Is.EqualTo(machineId));
        var listed = (await _api.GetAsync("/api/v1/machines")).AsArray().Single(x => x!["id"]!.GetValue<string>() == machineId)!;
        Assert.That(listed["url"]!.GetValue<string>(), Is.EqualTo(m), "the machine's URL escapes its id");

        // Console and power: the handler finds the machine (it has no lab console or BMC, and says so naming the exact id).
        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
        {
            (HttpMethod.Get, m + "/console", null), (HttpMethod.Get, m + "/console/stream", null),
            (HttpMethod.Post, m + "/console", new { input = "uname -a\n" }), (HttpMethod.Post, m + "/power", new { action = "On" }),
        })
        {
            var (status, json, text, _) = await _api.SendAsync(method, path, ServeFixture.OperatorSecret, body);
            Assert.That(status, Is.EqualTo(HttpStatusCode.NotImplemented), $"{method} {path}: {text}");
            Assert.That(json!["detail"]!.GetValue<string>(), Does.StartWith($"machine {machineId}"), $"{method} {path}");
            (status, json, text, _) = await _api.SendAsync(method, path.Replace(m, s, StringComparison.Ordinal), ServeFixture.OperatorSecret, body);
            Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound), $"{method} sibling: {text}");
            Assert.That(json!["detail"]!.GetValue<string>(), Does.Contain($"no machine '{sibling}' in the pool"), $"{method} sibling");
        }
        var power = (await _api.GetAsync(m))["events"]!.AsArray().Select(e => e!["reason"]!.GetValue<string>()).ToList();
        Assert.That(power, Has.Some.StartsWith("On by oncall: failed (501)"), "the refused power action is in the machine's events");

        // Operator actions on the machine: drain, then repair; the sibling is not found.
        var (ds, drained, dt, _) = await _api.SendAsync(HttpMethod.Post, m + "/drain", ServeFixture.OperatorSecret, new { reason = "odd id" });
        Assert.That(ds, Is.EqualTo(HttpStatusCode.OK), dt);
        Assert.That((await store.ListMachinesAsync()).Single(x => x.Id == machineId).State, Is.EqualTo(MachineState.Quarantined), drained!.ToJsonString());
        var (rs, rj, rt, _) = await _api.SendAsync(HttpMethod.Post, s + "/repair", ServeFixture.OperatorSecret, new { reason = "odd id" });
        Assert.That(rs, Is.EqualTo(HttpStatusCode.NotFound), rt);
        Assert.That(rj!["detail"]!.GetValue<string>(), Does.Contain($"no machine '{sibling}' in the pool"));
        (rs, _, rt, _) = await _api.SendAsync(HttpMethod.Post, m + "/repair", ServeFixture.OperatorSecret, new { reason = "odd id" });
        Assert.That(rs, Is.EqualTo(HttpStatusCode.OK), rt);
        Assert.That((await store.ListMachinesAsync()).Single(x => x.Id == machineId).State, Is.EqualTo(MachineState.Cleaning));

        // Reservation routes: an unknown id is named exactly as sent, '/' and '%2F' apart.
        var r = "/api/v1/reservations/" + Uri.EscapeDataString(Odd);
        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
        {
            (HttpMethod.Get, r, null), (HttpMethod.Get, r + "/kubeconfig", null), (HttpMethod.Get, r + "/transcripts/" + Uri.EscapeDataString("cs-1/" + Odd), null),
            (HttpMethod.Post, r + "/extend", new { duration = "00:30:00" }), (HttpMethod.Post, r + "/release", null),
        })
        {
            var (status, json, text, _) = await _api.SendAsync(method, path, ServeFixture.OperatorSecret, body);
            Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound), $"{method} {path}: {text}");
            Assert.That(json!["detail"]!.GetValue<string>(), Does.Contain($"no reservation '{Odd}'"), $"{method} {path}");
        }

        // Run routes: a run id with reserved characters (one with '/' or '%' is refused naming the id, by the run path guard).
        const string runId = "nightly d#e?f&<g>";
        var (gs, gj, gt, _) = await _api.SendAsync(HttpMethod.Get, "/api/v1/runs/" + Uri.EscapeDataString(runId), ServeFixture.ViewerSecret);
        Assert.That(gs, Is.EqualTo(HttpStatusCode.NotFound), gt);
        Assert.That(gj!["detail"]!.GetValue<string>(), Does.Contain($"no run '{runId}'"));
        (gs, gj, gt, _) = await _api.SendAsync(HttpMethod.Post, "/api/v1/runs/" + Uri.EscapeDataString(runId) + "/cancel", ServeFixture.OperatorSecret);
        Assert.That(gs, Is.EqualTo(HttpStatusCode.NotFound), gt);
        Assert.That(gj!["detail"]!.GetValue<string>(), Does.Contain($"no run '{runId}'"));
        var (cs, cj, ct, _) = await _api.SendAsync(HttpMethod.Post, $"/api/v1/runs/{Uri.EscapeDataString(_runId)}/cancel", ServeFixture.OperatorSecret);
        Assert.That(cs, Is.EqualTo(HttpStatusCode.Conflict), ct);
        Assert.That(cj!["detail"]!.GetValue<string>(), Does.StartWith($"run {_runId} is "));
    }
}
