using System.Net;
using System.Text.Json.Nodes;
using TestFarm.Storage;
using TestFarm.Storage.Audit;
using TestFarm.Storage.Database;
using TestFarm.Testing;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// <c>hold_on_failure</c> on <c>testfarm serve</c> with the lab's simulated machines (SQLite): a plan whose suite fails on
/// purpose (a Ceph probe that accepts only HEALTH_ERR from the lab's healthy cluster) ends its cell Failed, and the cell's
/// machines become a Ready reservation of the plan's <c>hold_for</c> person on the same lease, uncleaned; released, they
/// go through Cleaning to Available.
/// </summary>
[CancelAfter(180_000), NonParallelizable]
public sealed class HoldOnFailureApiTests
{
    internal static string HoldPlan(string hold) => LabPlans.Smoke("{ kind: manual }", "epyc-9354-e810")
        .Replace("name: lab-smoke", "name: lab-hold", StringComparison.Ordinal)
        .Replace("suites: [conformance-quick]", "suites: [ceph-never-errs]", StringComparison.Ordinal) + "\n" + hold + "\n";

    private static string State(JsonNode r) => r["state"]!.GetValue<string>();

    [Test]
    public async Task A_failed_cell_is_held_ready_for_the_configured_person_on_its_machines_uncleaned_until_released(CancellationToken ct)
    {
        await using var fixture = new ServeFixture([("ceph-never-errs", LabPlans.FailingSuite)], ("lab-hold", HoldPlan("hold_on_failure: 1h\nhold_for: oncall")));
        var backend = await fixture.LabAsync(ct);
        var db = Path.Combine(fixture.Root, "farm.db");
        using var api = await fixture.StartAsync(ServeFixture.Options(fixture.Config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = db }, "serve-a"), backend, ct);

        var (status, body, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/runs", ServeFixture.AdminSecret, new { plan = "lab-hold" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), text);
        var runId = body!["id"]!.GetValue<string>();
        var run = await api.WaitForRunEndAsync(runId, TimeSpan.FromSeconds(100), ct);
        var cell = run["cells"]!.AsArray().Single()!;
        Assert.That(cell["verdict"]!.GetValue<string>(), Is.EqualTo("Failed"), cell.ToJsonString());
        var cellMachines = cell["machines"]!.AsArray().Select(m => m!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();
        Assert.That(cellMachines, Has.Count.EqualTo(2));
        var phases = cell["phases"]!.AsArray().Select(p => p!["phase"]!.GetValue<string>()).ToList();
        Assert.That(phases, Does.Not.Contain("clean").And.Not.Contain("release"), "a held cell is not cleaned: " + string.Join(",", phases));

        var open = (await api.GetAsync("/api/v1/reservations")).AsArray();
        Assert.That(open, Has.Count.EqualTo(1), open.ToJsonString());
        var held = open[0]!;
        var id = held["id"]!.GetValue<string>();
        Assert.That(State(held), Is.EqualTo("Ready"), held.ToJsonString());
        Assert.That(held["owner"]!.GetValue<string>(), Is.EqualTo("oncall"), "the plan's hold_for, not the admin who triggered the run");
        Assert.That(held["machines"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()).Order(StringComparer.Ordinal), Is.EqualTo(cellMachines));
        Assert.That(held["expiresAt"]!.GetValue<DateTimeOffset>() - held["readyAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(TimeSpan.FromHours(1)));
        Assert.That(held["reason"]!.GetValue<string>(), Does.StartWith($"held on failure of cell {runId}/lab-hold/epyc-9354-e810/1cp-1w"));

        // The same lease the cell held, never released in between: the only active lease, still the cell's request.
        var leases = (await api.GetAsync("/api/v1/leases")).AsArray();
        Assert.That(leases.Select(l => l!["id"]!.GetValue<string>()), Is.EqualTo(new[] { held["leaseId"]!.GetValue<string>() }));
        Assert.That(leases[0]!["requestId"]!.GetValue<string>(), Does.StartWith($"{runId}/"), "the cell's own lease");
        foreach (var m in cellMachines)
        {
            var machine = await api.GetAsync($"/api/v1/machines/{m}");
            Assert.That(machine["machine"]!["state"]!.GetValue<string>(), Is.EqualTo("InUse"), $"{m} is not cleaned while held");
            var moves = machine["events"]!.AsArray().Where(e => e!["kind"]!.GetValue<string>() == "machine").Select(e => e!["to"]!.GetValue<string>()).ToList();
            Assert.That(moves, Does.Not.Contain("Cleaning"), $"{m}: {string.Join(",", moves)}");
        }

        (status, _, text, _) = await api.SendAsync(HttpMethod.Post, $"/api/v1/reservations/{id}/release", ServeFixture.OperatorSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), text);
        var ended = await api.WaitUntilAsync($"/api/v1/reservations/{id}", r => State(r) == "Ended", TimeSpan.FromSeconds(60), ct);
        Assert.That(ended["endReason"]!.GetValue<string>(), Is.EqualTo("released by oncall"));
        foreach (var m in cellMachines)
        {
            var moves = (await api.GetAsync($"/api/v1/machines/{m}"))["events"]!.AsArray()
                .Where(e => e!["kind"]!.GetValue<string>() == "machine").Select(e => e!["to"]!.GetValue<string>()).ToList();
            Assert.That(moves.SkipWhile(s => s == "Available").Take(5), Is.EqualTo(new[] { "Reserved", "Provisioning", "InUse", "Cleaning", "Available" }), m);
        }
        Assert.That((await api.GetAsync("/api/v1/pool"))["byState"]!["Available"]!.GetValue<int>(), Is.EqualTo(3));
        Assert.That((await api.GetAsync("/api/v1/leases")).AsArray(), Is.Empty);
        var holds = await HoldAudit.RunAsync(new SqliteDialect(db), ct);
        Assert.That(holds.Clean, Is.True, string.Join("; ", holds.Problems));
    }
}
