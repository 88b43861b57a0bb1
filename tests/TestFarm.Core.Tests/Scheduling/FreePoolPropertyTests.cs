using CsCheck;
using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Core.Scheduling;

namespace TestFarm.Core.Tests.Scheduling;

/// <summary>
/// The free pool's short cuts (turning a gang down by counts, taking the first machines when any machine of the profile
/// fits) choose exactly what the chooser picks from the straightforward candidate list: the free machines of the
/// request's profile in id order, less those excluded. Random pools and request sequences, over CsCheck seeds.
/// </summary>
public sealed class FreePoolPropertyTests
{
    private static readonly string?[] Profiles = ["x86", "arm", null, "gpu"];
    private static readonly string[] Domains = ["l2a", "l2b", "l2c"];
    private static readonly IReadOnlyDictionary<string, string>[] Selectors =
    [
        new Dictionary<string, string>(), new Dictionary<string, string>(), new Dictionary<string, string> { ["nics.driver"] = "ice" },
        new Dictionary<string, string> { ["arch"] = "Arm64" },
    ];

    [Test]
    public void The_pool_chooses_what_the_chooser_picks_from_every_free_candidate() =>
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var chooser = new GangChooser(SchedulingPool.Profiles);
            var machines = Enumerable.Range(0, rng.Next(0, 30)).Select(i => new MachineRecord
            {
                Id = $"m{i:D2}", Profile = rng.Next(2) == 0 ? "x86" : "arm", L2Domain = Domains[rng.Next(Domains.Length)], State = MachineState.Available,
            }).OrderBy(_ => rng.Next()).ToList();
            var pool = new FreePool(machines);
            var free = machines.OrderBy(m => m.Id, StringComparer.Ordinal).ToList();
            var profileOrder = free.Select(m => m.Profile).Distinct().ToList();
            HashSet<string>? shared = null;
            for (var step = 0; step < 12; step++)
            {
                var r = Request(rng, step);
                var exclude = rng.Next(4) switch
                {
                    0 => null,
                    1 => shared ??= free.Where(_ => rng.Next(3) == 0).Select(m => m.Id).ToHashSet(StringComparer.Ordinal),
                    2 => free.Where(_ => rng.Next(3) == 0).Select(m => m.Id).ToHashSet(StringComparer.Ordinal),
                    _ => [],
                };
                var expected = Reference(chooser, r, free, profileOrder, exclude);
                var actual = pool.Choose(chooser, r, exclude);
                Assert.That(actual?.Assignments, Is.EqualTo(expected?.Assignments), $"seed {seed}, step {step}: {r.Profile ?? "any"} {r.Topology.Name}");
                if (actual is null) continue;
                if (rng.Next(2) == 0) pool.Take(actual, r.Profile);
                else pool.Take(actual);
                free.RemoveAll(m => actual.MachineIds.Contains(m.Id));
                Assert.That(pool.Count, Is.EqualTo(free.Count), $"seed {seed}, step {step}: free after take");
            }
        }, iter: 2000);

    /// <summary>
    /// The candidates as the pool listed them before, through the chooser: by profile (in the order the pool first met
    /// them, by id), then by id.
    /// </summary>
    private static GangChoice? Reference(GangChooser chooser, ReservationRequest r, List<MachineRecord> free, List<string> profileOrder, HashSet<string>? exclude)
    {
        var candidates = free.OrderBy(m => profileOrder.IndexOf(m.Profile))
            .Where(m => (r.Profile is null || m.Profile == r.Profile) && (exclude is null || !exclude.Contains(m.Id))).ToList();
        return candidates.Count < r.MachineCount ? null : chooser.Choose(r, candidates);
    }

    private static ReservationRequest Request(Random rng, int step)
    {
        var roles = Enumerable.Range(0, 1 + rng.Next(2)).Select(i => new TopologyRole
        {
            Name = $"role{i}", Count = 1 + rng.Next(4), Selector = new Selector { Match = Selectors[rng.Next(Selectors.Length)] },
        }).ToList();
        var sameL2 = rng.Next(3) == 0;
        return new ReservationRequest
        {
            Id = $"r{step}", Plan = "p", Profile = Profiles[rng.Next(Profiles.Length)], Spares = rng.Next(3) == 0 ? 1 + rng.Next(2) : 0,
            Topology = new Topology { Name = $"{string.Join("+", roles.Select(x => $"{x.Count}x{x.Name}[{string.Join(",", x.Selector.Match)}]"))}{(sameL2 ? " one L2" : "")}", SameL2Domain = sameL2, Roles = roles },
        };
    }
}
