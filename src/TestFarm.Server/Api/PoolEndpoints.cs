using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using TestFarm.Core.Hardware;
using TestFarm.Core.Machines;
using TestFarm.Server.Auth;
using TestFarm.Server.Hosting;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Api;

/// <summary><c>/api/v1/pool</c> and <c>/api/v1/machines</c>: machines with state, profile and health history; operator actions.</summary>
public static class PoolEndpoints
{
    public sealed record ActionBody(string? Reason);

    public static void MapPoolEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapGet("/pool", GetPoolAsync).RequireRole(ApiRole.Viewer).WithName("GetPool").WithSummary("Machines with counts by state and profile");
        api.MapGet("/machines", async (SqlFarmStore store, CancellationToken ct) => (await store.ListMachinesAsync(ct)).Select(View).ToList())
            .RequireRole(ApiRole.Viewer).WithName("ListMachines").WithSummary("Every machine of the pool");
        api.MapGet("/machines/{id}", GetMachineAsync).RequireRole(ApiRole.Viewer).WithName("GetMachine").Produces<MachineDetail>()
            .WithSummary("A machine, its profile, observed inventory, health history and events");
        api.MapPost("/machines/{id}/drain", (string id, ActionBody? body, HttpContext http, SqlFarmStore store, ILoggerFactory l, CancellationToken ct) =>
            ActAsync(http, store, l, id, "drain", MachineState.Quarantined, body?.Reason, ct))
            .RequireRole(ApiRole.Operator).WithName("DrainMachine").ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Take a machine out of service (to Quarantined)");
        api.MapPost("/machines/{id}/repair", (string id, ActionBody? body, HttpContext http, SqlFarmStore store, ILoggerFactory l, CancellationToken ct) =>
            ActAsync(http, store, l, id, "repair", MachineState.Cleaning, body?.Reason, ct))
            .RequireRole(ApiRole.Operator).WithName("RepairMachine").ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Return a repaired machine through cleaning (to Cleaning)");
        api.MapPost("/machines/{id}/retire", (string id, ActionBody? body, HttpContext http, SqlFarmStore store, ILoggerFactory l, CancellationToken ct) =>
            ActAsync(http, store, l, id, "retire", MachineState.Retired, body?.Reason, ct))
            .RequireRole(ApiRole.Operator).WithName("RetireMachine").ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Retire a machine for good");
    }

    public static MachineView View(MachineRecord m) =>
        new(m.Id, m.Profile, m.L2Domain, m.State.ToString(), m.LeaseId, m.UpdatedAt, $"/api/v1/machines/{Uri.EscapeDataString(m.Id)}");

    private static async Task<PoolView> GetPoolAsync(SqlFarmStore store, CancellationToken ct)
    {
        var machines = await store.ListMachinesAsync(ct);
        return new PoolView(machines.Count,
            machines.GroupBy(m => m.State.ToString()).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            machines.GroupBy(m => m.Profile).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            [.. machines.Select(View)]);
    }

    private static async Task<IResult> GetMachineAsync(string id, HttpContext http, SqlFarmStore store, FarmServerOptions options, CancellationToken ct)
    {
        var machine = (await store.ListMachinesAsync(ct)).FirstOrDefault(m => m.Id == id);
        if (machine is null) return Problems.NotFound(http, $"no machine {Problems.Quote(id)} in the pool");
        // The machine's moves, its hands-on reservations, and the console sessions and power actions on it (who, when, what).
        var events = (await store.ReadAsync(id, 0, 1000, ct)).Where(e => e.Kind is "machine" or SqlFarmStore.HandsOnEventKind
                or Consoles.ConsoleSessions.EventKind or Consoles.MachinePower.EventKind)
            .Select(e => new EventView(e.Seq, e.At, e.Kind, e.From, e.To, e.Reason, e.LeaseId)).ToList();
        // Health history: the moves into and out of the unhealthy states, with their reasons.
        var health = events.Where(e => IsHealthState(e.To) || (e.From is { } f && IsHealthState(f))).ToList();
        var rounds = await store.ReadHealthAsync(id, 50, ct);
        var profile = options.Configuration.Profile(machine.Profile);
        return Results.Ok(new MachineDetail(View(machine), profile, health, rounds, events) { Inventory = Inventory(await store.ReadInventoryAsync(id, ct), profile) });
    }

    internal static InventoryView? Inventory(InventoryObservation? observation, HardwareProfile? profile) => observation is null ? null
        : new(observation.At, observation.Source.ToString(), observation.Hardware, profile is null ? [] : HardwareDrift.Compare(profile, observation.Hardware));

    /// <summary>The longest reason an operator's action keeps (it is stored and shown with every read of the machine).</summary>
    private const int MaxReason = 1000;

    private static bool IsHealthState(string state) =>
        state is nameof(MachineState.Suspect) or nameof(MachineState.Quarantined) or nameof(MachineState.Retired);

    private static async Task<IResult> ActAsync(HttpContext http, SqlFarmStore store, ILoggerFactory loggers, string id, string action,
        MachineState to, string? reason, CancellationToken ct)
    {
        var token = http.Items[RoleRequirement.TokenItem] as ApiToken;
        var outcome = await ApplyAsync(store, loggers, id, action, to, reason, token?.Name ?? "?", ct);
        return outcome.Moved is { } moved ? Results.Ok(View(moved))
            : outcome.Status == StatusCodes.Status404NotFound ? Problems.NotFound(http, outcome.Detail)
            : Problems.Of(http, outcome.Status, outcome.Title, outcome.Detail, outcome.Field);
    }

    /// <summary>What an operator's machine action came to: the machine moved, or why not (status, title, detail).</summary>
    internal sealed record ActionOutcome(MachineRecord? Moved, int Status, string Title, string Detail, string? Field = null);

    /// <summary>
    /// Drain, repair or retire: the one path the API and the dashboard both take. The move is recorded in the store's
    /// event log with who asked and why (the audit log).
    /// </summary>
    internal static async Task<ActionOutcome> ApplyAsync(SqlFarmStore store, ILoggerFactory loggers, string id, string action,
        MachineState to, string? reason, string who, CancellationToken ct)
    {
        if (reason is { Length: > MaxReason })
            return new(null, StatusCodes.Status400BadRequest, "Reason too long", $"reason: at most {MaxReason} characters, was {reason.Length}", "reason");
        var machine = (await store.ListMachinesAsync(ct)).FirstOrDefault(m => m.Id == id);
        if (machine is null) return new(null, StatusCodes.Status404NotFound, "Not found", $"no machine {Problems.Quote(id)} in the pool");
        if (MachineTransitions.IsHeld(machine.State))
            return new(null, StatusCodes.Status409Conflict, "Machine is held",
                $"machine {id} is {machine.State} under lease {machine.LeaseId}; {action} it when the lease ends (or cancel the run holding it)");
        if (!MachineTransitions.IsAllowed(machine.State, to))
            return new(null, StatusCodes.Status409Conflict, "Illegal move",
                $"machine {id} is {machine.State}; {action} moves it to {to}, which is allowed only from {string.Join(", ", AllowedFrom(to))}");
        var why = $"{action} by {who}" + (string.IsNullOrWhiteSpace(reason) ? "" : $": {reason}");
        var log = loggers.CreateLogger("TestFarm.Server.Api");
        try
        {
            var moved = await store.TransitionAsync(id, to, why, ct);
            ServerLog.MachineAction(log, id, action, who, machine.State, to);
            return new(moved, StatusCodes.Status200OK, "OK", why);
        }
        catch (IllegalTransitionException ex)
        {
            return new(null, StatusCodes.Status409Conflict, "Illegal move", ex.Message);
        }
    }

    private static IEnumerable<MachineState> AllowedFrom(MachineState to) =>
        Enum.GetValues<MachineState>().Where(s => MachineTransitions.IsAllowed(s, to));
}
