using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Storage.Audit;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;
using TestFarm.Testing;

namespace TestFarm.Storage.Tests;

/// <summary>
/// Seeded random interleavings of claim / heartbeat / release / reap / holder crash / crash mid-claim / cleaning.
/// After every step an independent SQL audit must find no double hold; at the end every lease is Released or Reaped.
/// </summary>
[TestFixture(StoreKind.Sqlite)]
[TestFixture(StoreKind.Postgres)]
public sealed class LeasePropertyTests(StoreKind kind)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);

    [Test]
    public async Task Random_interleavings_never_double_hold_and_every_lease_ends_released_or_reaped([Range(1, 12)] int seed)
    {
        await using var target = await StoreTarget.CreateAsync(kind);
        var time = new FakeTimeProvider();
        var store = await target.OpenStoreAsync(time);
        await store.RegisterAsync(TestPool.Machines(x86: 8, arm: 4));
        var rng = new Random(seed);
        var holders = new[] { "farm-a", "farm-b", "farm-c" };
        var crashed = new HashSet<string>();
        var mine = new List<Lease>();
        var dialect = target.NewDialect();

        for (var step = 0; step < 60; step++)
        {
            var holder = holders[rng.Next(holders.Length)];
            switch (rng.Next(8))
            {
                case 0 or 1:
                    var req = TestPool.Request($"s{seed}-{step}", rng.Next(2) == 0 ? "x86" : "arm", 1 + rng.Next(3), sameL2: rng.Next(3) == 0);
                    var r = await store.ClaimAsync(holder, req, TestPool.Chooser, Ttl);
                    if (r.Granted && !crashed.Contains(holder)) mine.Add(r.Lease!);
                    break;
                case 2:
                    store.BeforeClaimCommit = _ => throw new IOException("crash mid-claim");
                    try
                    {
                        var lost = await store.ClaimAsync(holder, TestPool.Request($"c{seed}-{step}", "x86", 2), TestPool.Chooser, Ttl);
                        Assert.That(lost.Granted, Is.False, "a claim that crashed cannot have been granted");
                    }
                    catch (IOException) { }
                    store.BeforeClaimCommit = null;
                    break;
                case 3 when mine.Count > 0:
                    var beat = mine[rng.Next(mine.Count)];
                    try { await store.HeartbeatAsync(beat.Id, beat.Holder); }
                    catch (LeaseRefusedException e) when (e.Reason is LeaseRefusal.Expired or LeaseRefusal.Ended) { mine.Remove(beat); }
                    break;
                case 4 when mine.Count > 0:
                    var done = mine[rng.Next(mine.Count)];
                    mine.Remove(done);
                    try { await store.ReleaseAsync(done.Id, done.Holder, "cell done"); }
                    catch (LeaseRefusedException e) when (e.Reason == LeaseRefusal.Ended) { }
                    break;
                case 5:
                    crashed.Add(holder);
                    mine.RemoveAll(l => l.Holder == holder);
                    break;
                case 6:
                    await store.ReapExpiredAsync();
                    foreach (var m in (await store.ListMachinesAsync()).Where(m => m.State == MachineState.Cleaning))
                        await store.TransitionAsync(m.Id, MachineState.Available, "wiped");
                    break;
                default:
                    time.Advance(TimeSpan.FromMinutes(rng.Next(1, 8)));
                    break;
            }
            var audit = await HoldAudit.RunAsync(dialect);
            Assert.That(audit.Problems, Is.Empty, $"seed {seed} step {step}");
        }

        foreach (var l in mine.Where(_ => rng.Next(2) == 0).ToList())
        {
            try { await store.ReleaseAsync(l.Id, l.Holder, "end of test"); } catch (LeaseRefusedException) { }
        }
        time.Advance(Ttl + TimeSpan.FromSeconds(1));
        await store.ReapExpiredAsync();
        var leases = await store.ListLeasesAsync(activeOnly: false);
        Assert.That(leases.Select(l => l.State), Is.All.EqualTo(LeaseState.Released).Or.EqualTo(LeaseState.Reaped));
        Assert.That((await store.ListMachinesAsync()).Where(m => MachineTransitions.IsHeld(m.State)), Is.Empty);
        Assert.That((await HoldAudit.RunAsync(dialect)).Clean, Is.True);
    }
}
