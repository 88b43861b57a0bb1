using System.Diagnostics;
using TestFarm.Core.Hardware;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Core.Scheduling;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;

namespace TestFarm.Cli.Commands.Bench;

/// <summary>What the claimers did while counted.</summary>
internal readonly record struct ClaimCounts(long Claims, long Refused, long Errors, long Calls);

/// <summary>
/// The claims benchmark's load: each client claims a gang of 1–3 machines of one of four profiles, releases it and
/// cleans each machine back to Available, over and over; only what ends inside the counted window is counted.
/// </summary>
internal sealed class ClaimLoad(SqlFarmStore store, int clients, TimeSpan ttl)
{
    private readonly string _holderPrefix = $"pid{Environment.ProcessId}";
    private readonly GangChooser _chooser = new(Enumerable.Range(0, 4).ToDictionary(i => $"p{i}", i => new HardwareProfile
    {
        Name = $"p{i}", Arch = CpuArchitecture.Amd64, Cpu = new CpuSpec { Vendor = "v", Model = "m", Cores = 8 }, MemoryGiB = 32,
    }));
    private long _claims, _refused, _errors, _calls;
    private volatile bool _counting;

    public async Task<(ClaimCounts Counts, double Seconds)> RunAsync(TimeSpan warmup, TimeSpan measured, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var workers = Enumerable.Range(0, clients).Select(w => Task.Run(() => WorkAsync(w, stop.Token), CancellationToken.None)).ToArray();
        await Task.Delay(warmup, TimeProvider.System, ct).ConfigureAwait(false);
        _counting = true;
        var clock = Stopwatch.StartNew();
        await Task.Delay(measured, TimeProvider.System, ct).ConfigureAwait(false);
        _counting = false;
        var seconds = clock.Elapsed.TotalSeconds;
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(workers).ConfigureAwait(false);
        return (new ClaimCounts(Interlocked.Read(ref _claims), Interlocked.Read(ref _refused), Interlocked.Read(ref _errors), Interlocked.Read(ref _calls)), seconds);
    }

    private async Task WorkAsync(int w, CancellationToken stop)
    {
        var rng = new Random(w);
        var holder = $"{_holderPrefix}-client-{w}";
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var request = new ReservationRequest
            {
                Id = $"w{w}-{n}", Plan = "bench", Profile = $"p{rng.Next(4)}",
                Topology = new Topology { Name = "t", Roles = [new TopologyRole { Name = "node", Count = 1 + rng.Next(3) }] },
            };
            try
            {
                // A started cycle always finishes (no cancellation inside), so no machine is left held or in Cleaning.
                var r = await store.ClaimAsync(holder, request, _chooser, ttl, CancellationToken.None).ConfigureAwait(false);
                if (!r.Granted) { Count(ref _refused, 1); continue; }
                await store.ReleaseAsync(r.Lease!.Id, holder, "bench", CancellationToken.None).ConfigureAwait(false);
                await Task.WhenAll(r.Lease.Machines.Select(id => store.TransitionAsync(id, MachineState.Available, "bench clean", CancellationToken.None))).ConfigureAwait(false);
                if (_counting)
                {
                    Interlocked.Increment(ref _claims);
                    Interlocked.Add(ref _calls, 2 + r.Lease.Machines.Count);
                }
            }
            catch (StoreException) { Count(ref _errors, 1); }
            catch (LeaseRefusedException) { Count(ref _errors, 1); }
        }
    }

    private void Count(ref long counter, long n)
    {
        if (_counting) Interlocked.Add(ref counter, n);
    }
}
