using System.Net;
using System.Text.Json.Nodes;
using TestFarm.Storage;
using TestFarm.Storage.Database;
using TestFarm.Testing;
using TestFarm.Testing.Kubernetes;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// <c>"deployCluster": true</c> on <c>testfarm serve</c>: with the lab, two reserved machines are reimaged, the lab's cluster
/// bring-up deploys a cluster on them, the kubeconfig goes to the holder (not to a viewer) and the real kubectl lists the
/// reserved machines as nodes (first control-plane, second worker); at release the API server is gone and the machines go
/// through Cleaning to Available. A bring-up that fails ends the reservation with the reason, its machines cleaned.
/// </summary>
[CancelAfter(180_000), NonParallelizable]
public sealed class ReservationClusterTests
{
    private static string State(JsonNode r) => r["state"]!.GetValue<string>();

    [Test]
    public async Task Reserve_two_with_a_cluster_kubectl_lists_the_machines_release_stops_the_api_server_and_cleans(CancellationToken ct)
    {
        await using var fixture = new ServeFixture();
        var backend = await fixture.LabAsync(ct);
        var options = ServeFixture.Options(fixture.Config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") }, "serve-k");
        using var api = await fixture.StartAsync(options, backend, ct);

        var (status, body, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/reservations", ServeFixture.OperatorSecret,
            new { profile = "epyc-9354-e810", count = 2, duration = "01:00:00", reason = "try the upgrade by hand", deployCluster = true });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), text);
        var id = body!["id"]!.GetValue<string>();
        (status, _, text, _) = await api.SendAsync(HttpMethod.Get, $"/api/v1/reservations/{id}/kubeconfig", ServeFixture.OperatorSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Conflict), "no kubeconfig before Ready: " + text);

        var ready = await api.WaitUntilAsync($"/api/v1/reservations/{id}", r => State(r) is "Ready" or "Ended", TimeSpan.FromSeconds(120), ct);
        Assert.That(State(ready), Is.EqualTo("Ready"), ready.ToJsonString());
        var machines = ready["machines"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()).ToList();
        Assert.That(machines, Has.Count.EqualTo(2));
        Assert.That(ready["deployCluster"]!.GetValue<bool>(), Is.True);
        Assert.That(ready["kubeconfig"]!.GetValue<string>(), Is.EqualTo($"/api/v1/reservations/{id}/kubeconfig"));
        Assert.That(ready["clusterRoles"]![machines[0]]!.GetValue<string>(), Is.EqualTo("control-plane"), ready.ToJsonString());
        Assert.That(ready["clusterRoles"]![machines[1]]!.GetValue<string>(), Is.EqualTo("worker"), ready.ToJsonString());
        var kept = Path.Combine(fixture.Root, "data", "reservations", id);
        Assert.That(File.Exists(Path.Combine(kept, "kubeconfig")), Is.True, "the kubeconfig is kept in the data folder, outside the runs' artifacts");

        (status, _, text, _) = await api.SendAsync(HttpMethod.Get, $"/api/v1/reservations/{id}/kubeconfig", ServeFixture.ViewerSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden), text);
        (status, _, text, _) = await api.SendAsync(HttpMethod.Get, "/api/v1/reservations/nosuchid/kubeconfig", ServeFixture.OperatorSecret);
        Assert.That((status, text.Contains("nosuchid", StringComparison.Ordinal)), Is.EqualTo((HttpStatusCode.NotFound, true)), text);
        (status, _, text, var response) = await api.SendAsync(HttpMethod.Get, $"/api/v1/reservations/{id}/kubeconfig", ServeFixture.OperatorSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/yaml"));
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);

        using var dir = new TempDirectory("reservation-kubectl");
        var kubeconfig = dir.File("kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, text, ct);
        var kubectl = new Kubectl(kubeconfig, dir.File("cache"));
        var nodes = await kubectl.RunAsync(TimeSpan.FromSeconds(30), "get", "nodes", "-o", "name");
        Assert.That(nodes.ExitCode, Is.EqualTo(0), nodes.ToString());
        Assert.That(nodes.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal),
            Is.EqualTo(machines.Select(m => "node/" + m).Order(StringComparer.Ordinal)), nodes.ToString());
        var control = await kubectl.RunAsync(TimeSpan.FromSeconds(30), "get", "nodes", "-l", "node-role.kubernetes.io/control-plane", "-o", "name");
        Assert.That(control.Stdout.Trim(), Is.EqualTo("node/" + machines[0]), "the first machine is the control plane: " + control);
        var wide = await kubectl.RunAsync(TimeSpan.FromSeconds(30), "get", "nodes");
        Assert.That(wide.Stdout, Does.Contain("Ready"), wide.ToString());

        (status, _, text, _) = await api.SendAsync(HttpMethod.Post, $"/api/v1/reservations/{id}/release", ServeFixture.OperatorSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), text);
        var ended = await api.WaitUntilAsync($"/api/v1/reservations/{id}", r => State(r) == "Ended", TimeSpan.FromSeconds(60), ct);
        Assert.That(ended["endReason"]!.GetValue<string>(), Is.EqualTo("released by oncall"));
        var gone = await kubectl.RunAsync(TimeSpan.FromSeconds(30), "get", "nodes", "--request-timeout=5s");
        Assert.That(gone.ExitCode, Is.Not.EqualTo(0), "the reservation's API server is gone: " + gone);
        (status, _, text, _) = await api.SendAsync(HttpMethod.Get, $"/api/v1/reservations/{id}/kubeconfig", ServeFixture.OperatorSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Conflict), text);
        Assert.That(Directory.Exists(kept), Is.False, "the kubeconfig is deleted with the cluster");

        await api.WaitUntilAsync("/api/v1/pool", p => p["byState"]!["Available"]?.GetValue<int>() == 3, TimeSpan.FromSeconds(60), ct);
        foreach (var m in machines)
        {
            var events = (await api.GetAsync($"/api/v1/machines/{m}"))["events"]!.AsArray();
            var moves = events.Where(e => e!["kind"]!.GetValue<string>() == "machine").Select(e => e!["to"]!.GetValue<string>()).ToList();
            Assert.That(moves.SkipWhile(s => s == "Available").Take(5), Is.EqualTo(new[] { "Reserved", "Provisioning", "InUse", "Cleaning", "Available" }), m);
        }
    }

    [Test]
    public async Task A_failing_cluster_deploy_ends_the_reservation_with_the_reason_and_cleans_the_machines(CancellationToken ct)
    {
        await using var fixture = new ServeFixture();
        var storage = new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") };
        var options = ServeFixture.Options(fixture.Config, storage, "serve-kf") with { Pool = fixture.Config.Pool!.Value };
        // The gated backend's bring-up fails every deploy ("the gated backend deploys no cluster").
        var backend = new GatedBackend(fixture.Config, Path.Combine(fixture.Root, "cells"));
        backend.Open();
        using var api = await fixture.StartInProcessAsync(options, backend, ct);

        var (status, body, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/reservations", ServeFixture.OperatorSecret,
            new { profile = "epyc-9354-e810", count = 2, reason = "cluster please", deployCluster = true });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), text);
        var id = body!["id"]!.GetValue<string>();
        var ended = await api.WaitUntilAsync($"/api/v1/reservations/{id}", r => State(r) is "Ready" or "Ended", TimeSpan.FromSeconds(60), ct);
        Assert.That(State(ended), Is.EqualTo("Ended"), ended.ToJsonString());
        Assert.That(ended["endReason"]!.GetValue<string>(), Is.EqualTo("cluster deploy failed: the gated backend deploys no cluster"));
        Assert.That(backend.Cleaned, Is.EqualTo(2), "both machines were cleaned");
        (status, _, text, _) = await api.SendAsync(HttpMethod.Get, $"/api/v1/reservations/{id}/kubeconfig", ServeFixture.OperatorSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Conflict), text);

        // Without deployCluster there is no kubeconfig to hand over, Ready or not.
        (status, body, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/reservations", ServeFixture.OperatorSecret,
            new { profile = "epyc-9354-e810", count = 1, reason = "no cluster" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), text);
        var plain = body!["id"]!.GetValue<string>();
        var ready = await api.WaitUntilAsync($"/api/v1/reservations/{plain}", r => State(r) is "Ready" or "Ended", TimeSpan.FromSeconds(60), ct);
        Assert.That(State(ready), Is.EqualTo("Ready"), ready.ToJsonString());
        (status, _, text, _) = await api.SendAsync(HttpMethod.Get, $"/api/v1/reservations/{plain}/kubeconfig", ServeFixture.OperatorSecret);
        Assert.That((status, text.Contains("asked for no cluster", StringComparison.Ordinal)), Is.EqualTo((HttpStatusCode.Conflict, true)), text);
        (status, _, text, _) = await api.SendAsync(HttpMethod.Post, $"/api/v1/reservations/{plain}/release", ServeFixture.OperatorSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), text);
    }
}
