using System.Collections.Concurrent;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Storage.Audit;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;
using TestFarm.Testing;

namespace TestFarm.Storage.Tests;

/// <summary>
/// Several store instances (own connection pools, as separate farm instances would have) race on threads for
/// the same few machines. A shadow owner map catches any machine granted while another lease holds it.
/// </summary>
[TestFixture(StoreKind.Sqlite)]
[TestFixture(StoreKind.Postgres)]
public sealed class ConcurrentClaimTests(StoreKind kind)
{
    [Test]
    public async Task Racing_claimers_never_hold_one_machine_twice()
    {
        await using var target = await StoreTarget.CreateAsync(kind);
        var time = new FakeTimeProvider();
        var setup = await target.OpenStoreAsync(time);
        await setup.RegisterAsync(TestPool.Machines(x86: 6, arm: 0));
        var owners = new ConcurrentDictionary<string, string>();
        var doubles = 0;
        var grants = 0;
        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var store = await SqlFarmStore.OpenAsync(target.NewDialect(), time);
            var rng = new Random(w);
            for (var i = 0; i < 25; i++)
            {
                var holder = $"farm-{w}";
                ClaimResult r = rng.Next(2) == 0
                    ? await store.ClaimAsync(holder, TestPool.Request($"w{w}-{i}", "x86", 1 + rng.Next(3)), TestPool.Chooser, TimeSpan.FromHours(1))
                    : await store.ClaimMachinesAsync(holder, $"w{w}-{i}", ["x86-000", $"x86-00{1 + rng.Next(5)}"], TimeSpan.FromHours(1));
                if (!r.Granted) continue;
                Interlocked.Increment(ref grants);
                foreach (var m in r.Lease!.Machines)
                    if (!owners.TryAdd(m, r.Lease.Id)) Interlocked.Increment(ref doubles);
                foreach (var m in r.Lease.Machines) owners.TryRemove(m, out _);
                await store.ReleaseAsync(r.Lease.Id, holder, "done");
                foreach (var m in r.Lease.Machines)
                {
                    try { await store.TransitionAsync(m, MachineState.Available, "wiped"); }
                    catch (IllegalTransitionException) { }
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);

        Assert.That(doubles, Is.Zero);
        Assert.That(grants, Is.GreaterThan(10), "the race must actually grant leases");
        var audit = await HoldAudit.RunAsync(target.NewDialect());
        Assert.That(audit.Problems, Is.Empty);
        Assert.That(await setup.ListLeasesAsync(activeOnly: true), Is.Empty);
    }
}
