using Microsoft.Extensions.Logging;
using Quartz;
using TestFarm.Core.Machines;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Orchestration.Reservations;
using TestFarm.Server.Hosting;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Runs;

/// <summary>
/// Quartz job: cleans machines left in Cleaning longer than <see cref="FarmServerOptions.CleaningGrace"/> (after a
/// reaped lease, or sent there by an operator's repair) and hands them back as Available, or as Suspect when
/// cleaning fails. Machines of a lease this instance reclaimed from its dead predecessor (<see cref="OwnLeaseReclaimer"/>)
/// are cleaned without the grace: no pipeline is cleaning them. One instance of a cluster runs it at a time.
/// </summary>
[DisallowConcurrentExecution]
public sealed class MachineCleanerJob(SqlFarmStore store, FarmServerOptions options, TimeProvider time, ILogger<MachineCleanerJob> log, IFarmBackend? backend = null,
    ReclaimedMachines? reclaimed = null) : IJob
{
    public static readonly JobKey Key = new("machine-cleaner", "testfarm");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        if (backend is null) return; // an API-only instance has no hands on machines
        var now = time.GetUtcNow();
        var pool = backend.Pool.Machines.ToDictionary(m => m.Id, StringComparer.Ordinal);
        foreach (var m in await store.ListMachinesAsync(cancellationToken))
        {
            if (m.State != MachineState.Cleaning || !pool.TryGetValue(m.Id, out var machine)) continue;
            if (now - m.UpdatedAt < options.CleaningGrace && reclaimed?.Contains(m.Id) != true) continue;
            if (!backend.Profiles.TryGetValue(machine.Profile, out var profile)) continue;
            var result = await backend.Provisioner.CleanAsync(new CellMachine(machine, profile, "cleaning"), trusted: false, _ => Task.CompletedTask, cancellationToken);
            var to = result.Succeeded ? MachineState.Available : MachineState.Suspect;
            try
            {
                await store.TransitionAsync(m.Id, to, result.Succeeded ? "cleaned by the farm's cleaner" : $"cleaning failed in {result.FailedPhase}: {result.Error}", cancellationToken);
                ServerLog.MachineCleaned(log, m.Id, to);
                reclaimed?.Remove(m.Id);
            }
            catch (IllegalTransitionException ex)
            {
                ServerLog.MachineMovedMeanwhile(log, m.Id, ex.Message);
            }
        }
    }
}
