using Microsoft.Extensions.Logging;
using TestFarm.Core.Bmc;
using TestFarm.Redfish.Http;
using TestFarm.Redfish.Json;
using TestFarm.Redfish.Tasks;

namespace TestFarm.Redfish.Power;

/// <summary>PowerState, <c>#ComputerSystem.Reset</c> with an advertised ResetType, and waiting for a state with a deadline.</summary>
public sealed class PowerOperations(RedfishService service, ILogger logger)
{
    public async Task<PowerState> GetStateAsync(CancellationToken cancellationToken) =>
        ResetTypes.ParseState((await service.GetSystemAsync(cancellationToken).ConfigureAwait(false)).Json.Str("PowerState"));

    public async Task ResetAsync(PowerIntent intent, CancellationToken cancellationToken)
    {
        var system = await service.GetSystemAsync(cancellationToken).ConfigureAwait(false);
        var action = system.Json.Path("Actions", "#ComputerSystem.Reset")
            ?? throw new BmcException($"{system.Uri} has no #ComputerSystem.Reset action", null, null, system.Body, system.Uri) { Kind = BmcErrorKind.Unsupported };
        var allowed = action.Strings("ResetType@Redfish.AllowableValues");
        var resetType = ResetTypes.Choose(intent, allowed)
            ?? throw new BmcException($"{system.Uri} offers no reset type for {intent} (offers {string.Join(", ", allowed)})", null, null, null, system.Uri) { Kind = BmcErrorKind.Unsupported };
        var target = action.Str("target")
            ?? throw new BmcException($"{system.Uri}: #ComputerSystem.Reset has no target", null, null, system.Body, system.Uri) { Kind = BmcErrorKind.Protocol };
        Log.Reset(logger, system.Uri, resetType, intent);
        var response = await service.Transport.PostAsync(service.Resolve(target), new ResetRequest(resetType), cancellationToken).ConfigureAwait(false);
        await TaskMonitor.CompleteAsync(service.Transport, response, logger, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Polls PowerState every <see cref="RedfishOptions.PollInterval"/> on the TimeProvider until it is <paramref name="target"/> or the deadline passes.</summary>
    public async Task WaitAsync(PowerState target, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var time = service.Transport.Time;
        var until = time.GetUtcNow() + deadline;
        while (true)
        {
            var state = await GetStateAsync(cancellationToken).ConfigureAwait(false);
            if (state == target) return;
            var now = time.GetUtcNow();
            if (now >= until)
                throw new BmcException($"{service.Transport.Endpoint.ServiceRoot}: power state still {state}, not {target}, after {deadline}") { Kind = BmcErrorKind.Timeout };
            var wait = service.Transport.Options.PollInterval;
            await Delay.UntilAsync(time, until - now < wait ? until - now : wait, cancellationToken).ConfigureAwait(false);
        }
    }
}
