using TestFarm.Core.Hardware;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Provisioning.Inventory;

namespace TestFarm.Orchestration.Adapters;

/// <summary>
/// The one place a reimage's inspection is kept: every reimage (a cell's or a hands-on reservation's) goes through the
/// farm's <see cref="IMachineProvisioner"/>, and the hardware the booted machine's agent reported is recorded as the
/// machine's latest observed inventory before the result goes back to the caller. Cleaning passes through.
/// </summary>
public sealed class InventoryRecordingProvisioner(IMachineProvisioner inner, InventoryRecorder recorder) : IMachineProvisioner
{
    public async Task<ProvisionResult> ReimageAsync(CellMachine machine, string buildId, bool trusted,
        Func<CancellationToken, Task> heartbeat, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(machine);
        var result = await inner.ReimageAsync(machine, buildId, trusted, heartbeat, cancellationToken).ConfigureAwait(false);
        if (result.Observed is { } observed)
            await recorder.RecordAsync(machine.Machine.Id, InventorySource.AgentReport, observed, CancellationToken.None).ConfigureAwait(false);
        return result;
    }

    public Task<ProvisionResult> CleanAsync(CellMachine machine, bool trusted, Func<CancellationToken, Task> heartbeat, CancellationToken cancellationToken) =>
        inner.CleanAsync(machine, trusted, heartbeat, cancellationToken);
}
