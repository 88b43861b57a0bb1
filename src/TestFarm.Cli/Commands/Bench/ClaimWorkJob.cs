using System.Globalization;
using Quartz;
using TestFarm.Core.Hardware;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Core.Scheduling;

namespace TestFarm.Cli.Commands.Bench;

/// <summary>
/// A farm node's work for failover tests: claims 1-2 machines of profile p0 as NAME/JOB, holds them briefly,
/// releases and cleans them, for the job's seconds (a recovered run: at most 2 s). Writes its start (or recovery)
/// and its end to the audit log, kind <c>job</c>, subject the job name, reason naming the instance.
/// </summary>
[DisallowConcurrentExecution]
internal sealed class ClaimWorkJob(ILeaseStore leases, IMachineStore machines, IEventLog events, FarmNodeSettings node, TimeProvider time) : IJob
{
    public static readonly IReadOnlyDictionary<string, HardwareProfile> Profiles = new Dictionary<string, HardwareProfile>
    {
        ["p0"] = new() { Name = "p0", Arch = CpuArchitecture.Amd64, Cpu = new CpuSpec { Vendor = "v", Model = "m", Cores = 8 }, MemoryGiB = 32 },
    };

    private static readonly GangChooser Chooser = new(Profiles);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var name = context.JobDetail.Key.Name;
        var seconds = int.Parse(context.MergedJobDataMap.GetString("seconds") ?? "30", CultureInfo.InvariantCulture);
        var started = time.GetUtcNow();
        await Audit(name, context.Recovering ? "recovered" : "started", $"on {node.Name} (fire {context.FireInstanceId})", cancellationToken).ConfigureAwait(false);
        var until = started + TimeSpan.FromSeconds(context.Recovering ? Math.Min(seconds, 2) : seconds);
        var holder = $"{node.Name}/{name}";
        var rng = new Random();
        var n = 0;
        while (time.GetUtcNow() < until && !cancellationToken.IsCancellationRequested)
        {
            var request = new ReservationRequest
            {
                Id = $"{holder}/{n++}", Plan = "failover", Profile = "p0",
                Topology = new Topology { Name = "t", Roles = [new TopologyRole { Name = "node", Count = 1 + rng.Next(2) }] },
            };
            var claim = await leases.ClaimAsync(holder, request, Chooser, node.Ttl, cancellationToken).ConfigureAwait(false);
            if (!claim.Granted) { await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken).ConfigureAwait(false); continue; }
            await Task.Delay(TimeSpan.FromMilliseconds(200 + rng.Next(300)), time, cancellationToken).ConfigureAwait(false);
            await leases.ReleaseAsync(claim.Lease!.Id, holder, "work done", cancellationToken).ConfigureAwait(false);
            foreach (var id in claim.Lease.Machines)
                await machines.TransitionAsync(id, MachineState.Available, $"cleaned by {holder}", cancellationToken).ConfigureAwait(false);
        }
        await Audit(name, "finished", $"on {node.Name} after {n} claims", CancellationToken.None).ConfigureAwait(false);
    }

    private Task Audit(string job, string to, string reason, CancellationToken ct) =>
        events.AppendAsync(new AuditEvent { At = time.GetUtcNow(), Kind = "job", Subject = job, To = to, Reason = reason }, ct);
}
