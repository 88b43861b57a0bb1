using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using TestFarm.Core.Leases;
using TestFarm.Orchestration.Reservations;
using TestFarm.Server.Auth;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Api;

/// <summary><c>/api/v1/queue</c> (position, blocking reason, ETA), <c>/api/v1/leases</c> and the admin's <c>/api/v1/tokens</c>.</summary>
public static class QueueEndpoints
{
    public static void MapQueueEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapGet("/queue", GetQueueAsync).RequireRole(ApiRole.Viewer).WithName("GetQueue").WithSummary("Waiting requests with position, what blocks them and an ETA");
        api.MapGet("/leases", GetLeasesAsync).RequireRole(ApiRole.Viewer).WithName("ListLeases").WithSummary("Leases (?all=true for ended ones too)");
        api.MapGet("/tokens", (IOptionsMonitor<ApiAuthOptions> auth) => auth.CurrentValue.Tokens.Select(t => new TokenView(t.Name, t.Role.ToString())).ToList())
            .RequireRole(ApiRole.Admin).WithName("ListTokens").WithSummary("Token names and roles (never the secrets or hashes)");
    }

    private static async Task<IReadOnlyList<QueueEntryView>> GetQueueAsync(ReservationService reservations, SqlFarmStore store, CancellationToken ct)
    {
        var queued = (await store.ListAsync(RequestState.Queued, ct)).ToDictionary(q => q.Request.Id, StringComparer.Ordinal);
        return [.. (await reservations.QueueStatusAsync(ct)).Where(s => queued.ContainsKey(s.RequestId)).Select(s =>
        {
            var r = queued[s.RequestId].Request;
            return new QueueEntryView(s.RequestId, r.Plan, r.Priority.ToString(), r.Repository, r.SubmittedAt, s.Position, s.BlockingReason, s.Eta);
        })];
    }

    private static async Task<IReadOnlyList<LeaseView>> GetLeasesAsync(SqlFarmStore store, TimeProvider time, CancellationToken ct, bool all = false)
    {
        var now = time.GetUtcNow();
        return [.. (await store.ListLeasesAsync(activeOnly: !all, ct)).Select(l => new LeaseView(l.Id, l.Holder, l.RequestId, l.Machines, l.State.ToString(),
            l.GrantedAt, l.ExpiresAt, ((l.EndedAt ?? now) - l.GrantedAt).TotalSeconds, l.EndedAt, l.EndReason))];
    }
}
