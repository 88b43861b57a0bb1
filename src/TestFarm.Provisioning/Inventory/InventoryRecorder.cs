using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;

namespace TestFarm.Provisioning.Inventory;

/// <summary>
/// Keeps each machine's latest observed inventory in the farm's <see cref="IInventoryStore"/>, stamped with the time and
/// the source. Called where the farm inspects: a health round's BMC inventory check (<see cref="Health.HealthChecker"/>)
/// and every reimage's agent report (the orchestration's provisioner decorator). Never throws for the store: an
/// observation that cannot be kept (refused as beyond <see cref="InventoryLimits"/>, or the store down) is logged and the
/// machine's work goes on; the drift it showed is still judged and recorded as before.
/// </summary>
public sealed class InventoryRecorder(IInventoryStore store, TimeProvider time, ILogger? logger = null)
{
    private readonly ILogger _log = logger ?? NullLogger.Instance;

    public async Task RecordAsync(string machineId, InventorySource source, ObservedHardware observed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(observed);
        try
        {
            await store.RecordInventoryAsync(new InventoryObservation { MachineId = machineId, At = time.GetUtcNow(), Source = source, Hardware = observed },
                cancellationToken).ConfigureAwait(false);
            Log.InventoryRecorded(_log, machineId, source);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.InventoryNotRecorded(_log, machineId, source, e.Message);
        }
    }
}
