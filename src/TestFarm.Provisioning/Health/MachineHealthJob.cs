using Quartz;

namespace TestFarm.Provisioning.Health;

/// <summary>Quartz job: one <see cref="HealthRound"/> over the pool. Never two at once; on a cluster, one instance runs it.</summary>
[DisallowConcurrentExecution]
public sealed class MachineHealthJob(HealthRound round) : IJob
{
    public static readonly JobKey Key = new("machine-health", "testfarm");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await round.RunAsync(cancellationToken).ConfigureAwait(false);
}
