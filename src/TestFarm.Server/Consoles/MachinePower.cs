using Microsoft.AspNetCore.Http;
using TestFarm.Core.Bmc;
using TestFarm.Core.Machines;
using TestFarm.Core.Pool;
using TestFarm.Server.Api;
using TestFarm.Server.Hosting;
using TestFarm.Server.Runs;

namespace TestFarm.Server.Consoles;

/// <summary>What a power action came to: the power state the BMC reported after it, or why it failed (status, title, detail, field).</summary>
internal sealed record PowerOutcome(int Status, string Title, string Detail, string? Field = null, string? PowerState = null)
{
    public bool Succeeded => Status == StatusCodes.Status200OK;
}

/// <summary>
/// Power actions on a machine through its BMC (the backend's BMC client factory): <c>On</c>, <c>ForceOff</c>,
/// <c>ForceRestart</c>, and <c>PxeOnce</c> (a one-time boot override to PXE, then a restart, or power on when off). The one path
/// the API and the page take; each action, its result and who asked is appended to the machine's events as a <c>power</c> event.
/// </summary>
internal sealed class MachinePower(IEventLog events, FarmServerOptions options, TimeProvider time, IFarmBackend? backend = null)
{
    public const string EventKind = "power";
    public static readonly IReadOnlyList<string> Actions = ["On", "ForceOff", "ForceRestart", "PxeOnce"];
    /// <summary>The longest a power action may take at the BMC before it is given up as failed.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);
    private const int MaxBmcMessage = 500;

    /// <summary>The action's canonical name, or null when <paramref name="action"/> is none of <see cref="Actions"/>.</summary>
    public static string? Parse(string? action) => Actions.FirstOrDefault(a => string.Equals(a, action?.Trim(), StringComparison.OrdinalIgnoreCase));

    public async Task<PowerOutcome> ApplyAsync(MachineRecord machine, string action, string who, CancellationToken ct)
    {
        var pool = backend?.Pool ?? options.Pool;
        var target = pool?.Machines.FirstOrDefault(m => m.Id == machine.Id);
        if (backend is null || target is null)
            return await RecordAsync(machine, action, who, new PowerOutcome(StatusCodes.Status501NotImplemented, "No BMC client",
                $"machine {machine.Id}: this farm runs no backend that reaches BMCs (serve with --lab, or --boot-listen and --image for the pool's machines)"), ct);
        using var timeout = new CancellationTokenSource(CallTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, ct);
        PowerOutcome outcome;
        try
        {
            await using var bmc = backend.Bmcs.Create(target);
            var state = await ActAsync(bmc, action, linked.Token);
            outcome = new PowerOutcome(StatusCodes.Status200OK, "OK", $"{action} done; the BMC reports power {state}", PowerState: state.ToString());
        }
        catch (BmcException ex)
        {
            outcome = BmcFailure(target, action, ex);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            outcome = new PowerOutcome(StatusCodes.Status504GatewayTimeout, "BMC timeout",
                $"{action} on machine {machine.Id}: the BMC at {target.Bmc.Url} did not finish within {CallTimeout.TotalSeconds:0} s");
        }
        return await RecordAsync(machine, action, who, outcome, ct);
    }

    private static async Task<PowerState> ActAsync(IBmcClient bmc, string action, CancellationToken ct)
    {
        switch (action)
        {
            case "On": await bmc.ResetAsync(PowerIntent.On, ct); break;
            case "ForceOff": await bmc.ResetAsync(PowerIntent.ForceOff, ct); break;
            case "ForceRestart": await bmc.ResetAsync(PowerIntent.ForceRestart, ct); break;
            default:
                await bmc.SetOneTimeBootAsync(BootTarget.Pxe, BootModeRequest.Unchanged, ct);
                var now = await bmc.GetPowerStateAsync(ct);
                await bmc.ResetAsync(now == PowerState.Off ? PowerIntent.On : PowerIntent.ForceRestart, ct);
                break;
        }
        return await bmc.GetPowerStateAsync(ct);
    }

    private static PowerOutcome BmcFailure(PoolMachine target, string action, BmcException ex)
    {
        var message = ex.Message.Length <= MaxBmcMessage ? ex.Message : ex.Message[..MaxBmcMessage] + "…";
        var status = ex.HttpStatus is { } s ? $"HTTP {s}" : ex.Kind.ToString();
        return new PowerOutcome(StatusCodes.Status502BadGateway, "BMC failed",
            $"{action} on machine {target.Id}: the BMC at {ex.Uri ?? target.Bmc.Url} answered {status}{(ex.MessageId is { } id ? $" ({id})" : "")}: {message}");
    }

    private async Task<PowerOutcome> RecordAsync(MachineRecord machine, string action, string who, PowerOutcome outcome, CancellationToken ct)
    {
        await events.AppendAsync(new AuditEvent
        {
            At = time.GetUtcNow(), Kind = EventKind, Subject = machine.Id, To = action, LeaseId = machine.LeaseId,
            Reason = $"{action} by {who}: " + (outcome.Succeeded ? outcome.Detail : $"failed ({outcome.Status}): {outcome.Detail}"),
        }, CancellationToken.None);
        return outcome;
    }
}
