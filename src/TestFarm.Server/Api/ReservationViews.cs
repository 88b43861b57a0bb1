using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TestFarm.Core.HandsOn;
using TestFarm.Orchestration.HandsOn;

namespace TestFarm.Server.Api;

#pragma warning disable CA1056 // URLs in bodies are relative paths, kept as strings.
/// <summary>A reserved machine: its id, BMC address, provisioning MAC and its page in the API.</summary>
public sealed record ReservedMachineView(string Id, string? Bmc, string? ProvisioningMac, string Url);

/// <summary>Where a Queued reservation waits: position, what blocks it, ETA.</summary>
public sealed record ReservationQueueView(int Position, string Blocking, DateTimeOffset? Eta);

public sealed record ReservationView(string Id, string State, string Owner, string Reason, string Profile, int Count, string? LikeCell, string? Build,
    string Duration, DateTimeOffset Created, DateTimeOffset? ReadyAt, DateTimeOffset? ExpiresAt, double? SecondsLeft, bool Warning,
    IReadOnlyList<ReservedMachineView> Machines, string? LeaseId, string RequestId, ReservationQueueView? Queue, DateTimeOffset? EndedAt, string? EndReason, string Url)
{
    /// <summary>For a <c>likeCell</c> reservation: whether it got exactly the cell's machines (null until granted, or when not like a cell).</summary>
    public bool? SameMachines { get; init; }

    /// <summary>Why <see cref="SameMachines"/>: which of the cell's machines were busy or not healthy.</summary>
    public string? SameMachinesReason { get; init; }

    /// <summary>Whether a cluster is deployed on the machines (<c>"deployCluster": true</c>); its kubeconfig is at <see cref="Kubeconfig"/>.</summary>
    public bool DeployCluster { get; init; }

    /// <summary>With <see cref="DeployCluster"/>: where the holder or an operator fetches the kubeconfig once Ready.</summary>
    public string? Kubeconfig { get; init; }

    /// <summary>With <see cref="DeployCluster"/> and machines granted: each machine's role in the cluster (first control-plane, rest workers, or the liked cell's).</summary>
    public IReadOnlyDictionary<string, string>? ClusterRoles { get; init; }

    /// <summary>The console sessions held during the reservation (<c>GET /api/v1/reservations/{id}</c> only; null in lists).</summary>
    public IReadOnlyList<Consoles.TranscriptView>? Transcripts { get; init; }
}
#pragma warning restore CA1056

internal static class ReservationViews
{
    public static async Task<ReservationView> ViewAsync(HttpContext http, HandsOnReservations service, HandsOnReservation r, CancellationToken ct)
    {
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var pool = service.MachinesById;
        var machines = r.Machines.Select(m => pool.TryGetValue(m, out var p)
            ? new ReservedMachineView(m, p.Bmc.Url.GetLeftPart(UriPartial.Authority), p.ProvisioningMac, $"/api/v1/machines/{Uri.EscapeDataString(m)}")
            : new ReservedMachineView(m, null, null, $"/api/v1/machines/{Uri.EscapeDataString(m)}")).ToList();
        var queue = await service.QueueStatusAsync(r, ct);
        return new ReservationView(r.Id, r.State.ToString(), r.Owner, r.Reason, r.Profile, r.Count, r.LikeCell, r.Build, r.Duration.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            r.CreatedAt, r.ReadyAt, r.ExpiresAt, r.TimeLeft(now)?.TotalSeconds, r.Warning(now, service.Options.Policy.WarningBefore), machines, r.LeaseId, r.RequestId,
            queue is null ? null : new ReservationQueueView(queue.Position, queue.Blocking, queue.Eta), r.EndedAt, r.EndReason, $"/api/v1/reservations/{r.Id}")
        {
            SameMachines = r.SameMachines, SameMachinesReason = r.SameMachinesReason,
            DeployCluster = r.DeployCluster, Kubeconfig = r.DeployCluster ? $"/api/v1/reservations/{r.Id}/kubeconfig" : null,
            ClusterRoles = service.ClusterRoles(r),
        };
    }
}
