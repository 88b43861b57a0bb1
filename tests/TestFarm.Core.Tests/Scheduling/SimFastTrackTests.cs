using TestFarm.Core.Hardware;
using TestFarm.Core.Plans;
using TestFarm.Core.Scheduling;
using TestFarm.Core.Scheduling.Simulation;

namespace TestFarm.Core.Tests.Scheduling;

/// <summary>The simulator charges each cell the boot path the product takes: full, or fast track (no reimage POST).</summary>
public sealed class SimFastTrackTests
{
    private static readonly DateTimeOffset T = SchedulingPool.T0;

    private static Dictionary<string, HardwareProfile> Profiles(int postSeconds, bool allows = true) => new(StringComparer.Ordinal)
    {
        ["x86"] = SchedulingPool.Profiles["x86"] with
        {
            Firmware = new FirmwareSpec { PostSeconds = postSeconds }, Boot = SchedulingPool.Profiles["x86"].Boot with { FastTrack = allows },
        },
    };

    private static SimJob Cell(string id, int machines, TimeSpan holds, bool trusted = true, DateTimeOffset? at = null) =>
        new(SchedulingPool.Req(id, "x86", machines, trusted ? PriorityClass.Nightly : PriorityClass.PullRequest, holds, at ?? T), holds, trusted ? "nightly" : "pr")
        {
            Trusted = trusted,
        };

    private static SimTrace Trace(int machines, IReadOnlyDictionary<string, HardwareProfile> profiles, params SimJob[] jobs) =>
        new(SchedulingPool.PoolOf("x86", machines), profiles, jobs, T) { FastTrack = true };

    private static Dictionary<string, SimOutcome> Run(SimTrace trace) =>
        SimEngine.Run(trace, new FifoFirstFitPolicy(new GangChooser(trace.Profiles))).ToDictionary(o => o.Job.Request.Id, StringComparer.Ordinal);

    [Test]
    public void A_trusted_cell_on_a_machine_a_trusted_cell_left_in_its_agent_holds_it_less_by_exactly_the_profile_post()
    {
        var two = TimeSpan.FromHours(2);
        var runs = Run(Trace(1, Profiles(180), Cell("a", 1, two), Cell("b", 1, two)));
        Assert.That(runs["a"].FastTracked, Is.False, "the week starts with every machine powered off");
        Assert.That(runs["a"].End - runs["a"].Start, Is.EqualTo(two));
        Assert.That(runs["b"].Start, Is.EqualTo(T + two));
        Assert.That(runs["b"].FastTracked, Is.True);
        Assert.That(runs["b"].End - runs["b"].Start, Is.EqualTo(two - TimeSpan.FromSeconds(180)));
    }

    [Test]
    public void An_untrusted_build_and_the_next_cell_on_a_machine_it_held_take_the_full_path()
    {
        var hour = TimeSpan.FromHours(1);
        var runs = Run(Trace(1, Profiles(120), Cell("a", 1, hour), Cell("b", 1, hour, trusted: false), Cell("c", 1, hour), Cell("d", 1, hour)));
        Assert.That(runs.Values.OrderBy(o => o.Start).Select(o => (o.Job.Request.Id, o.FastTracked, o.End - o.Start)), Is.EqualTo(new[]
        {
            ("a", false, hour), ("b", false, hour), ("c", false, hour), ("d", true, hour - TimeSpan.FromSeconds(120)),
        }));
    }

    [Test]
    public void A_gang_is_fast_tracked_only_when_every_machine_of_it_is()
    {
        var hour = TimeSpan.FromHours(1);
        var later = T + TimeSpan.FromHours(3);
        var runs = Run(Trace(2, Profiles(200), Cell("a", 1, hour), Cell("b", 1, hour, trusted: false),
            Cell("c", 2, hour, at: later), Cell("d", 2, hour, at: later)));
        Assert.That(runs["c"].FastTracked, Is.False, "one of its machines was powered off after an untrusted lease");
        Assert.That(runs["c"].End - runs["c"].Start, Is.EqualTo(hour));
        Assert.That(runs["d"].FastTracked, Is.True);
        Assert.That(runs["d"].End - runs["d"].Start, Is.EqualTo(hour - TimeSpan.FromSeconds(200)));
    }

    [Test]
    public void A_profile_that_forbids_fast_track_and_a_farm_that_does_not_fast_track_charge_the_full_path()
    {
        var two = TimeSpan.FromHours(2);
        var forbidden = Trace(1, Profiles(180, allows: false), Cell("a", 1, two), Cell("b", 1, two));
        Assert.That(Run(forbidden).Values.OrderBy(o => o.Start).Select(o => (o.FastTracked, o.End - o.Start)), Is.EqualTo(new[] { (false, two), (false, two) }));
        var off = Trace(1, Profiles(180), Cell("a", 1, two), Cell("b", 1, two)) with { FastTrack = false };
        Assert.That(Run(off).Values.OrderBy(o => o.Start).Select(o => (o.FastTracked, o.End - o.Start)), Is.EqualTo(new[] { (false, two), (false, two) }));
    }

    [Test]
    public void The_floors_count_each_cell_at_the_shortest_path_it_may_take()
    {
        var two = TimeSpan.FromHours(2);
        var cells = Enumerable.Range(0, 8).Select(i => Cell($"c{i}", 1, two)).ToArray();
        var fast = Trace(4, Profiles(600), cells);
        var full = fast with { FastTrack = false };
        // Four machines start eight cells: four now and four when the first are back, ten minutes sooner on the fast track.
        Assert.That(SimReport.MaxWaitFloor(full).Floor, Is.EqualTo(two));
        Assert.That(SimReport.MaxWaitFloor(fast).Floor, Is.EqualTo(two - TimeSpan.FromMinutes(10)));
        Assert.That(SimReport.ComputeLowerBound(full), Is.EqualTo(TimeSpan.FromHours(4)));
        Assert.That(SimReport.ComputeLowerBound(fast), Is.EqualTo(TimeSpan.FromHours(4) - TimeSpan.FromMinutes(20)));
        // The engine gets there: the second wave is fast-tracked onto the machines the first left in their agents.
        var runs = Run(fast);
        Assert.That(runs.Values.Max(o => o.Wait), Is.EqualTo(two));
        Assert.That(runs.Values.Count(o => o.FastTracked), Is.EqualTo(4));
    }

    [Test]
    public void On_the_generated_week_the_farm_own_builds_are_trusted_and_pull_requests_are_not()
    {
        var trace = SimTraceGenerator.Generate(16, 2, 2, 1);
        Assert.That(trace.FastTrack, Is.True);
        Assert.That(trace.Jobs.Where(j => j.Kind != "pr").All(j => j.Trusted), Is.True);
        Assert.That(trace.Jobs.Where(j => j.Kind == "pr").Any(j => j.Trusted), Is.False);
        var nightly = trace.Jobs.First(j => j.Kind == "nightly");
        Assert.That(trace.FastTrackSaving(nightly), Is.EqualTo(trace.Profiles[nightly.Request.Profile!].Firmware.Post));
        Assert.That(trace.FastTrackSaving(nightly), Is.GreaterThan(TimeSpan.Zero));
        Assert.That(trace.Jobs.Where(j => j.Kind == "pr").All(j => trace.FastTrackSaving(j) == TimeSpan.Zero), Is.True);
        Assert.That(SimTraceGenerator.Generate(16, 2, 2, 1, new SimLoad { FastTrack = false }).FastTrack, Is.False);
    }

    [Test]
    public void On_the_evening_week_fast_track_lowers_the_max_wait_floor_by_minutes_and_the_release_runs_keep_it_over_four_hours()
    {
        var fast = SimTraceGenerator.Generate(200, 8, 7, 1);
        var full = fast with { FastTrack = false };
        var floor = SimReport.MaxWaitFloor(fast).Floor;
        Assert.That(floor, Is.LessThan(SimReport.MaxWaitFloor(full).Floor));
        Assert.That(floor, Is.GreaterThan(TimeSpan.FromHours(4)));
        // The floor already lets each release run start at its arrival (its earliest return): no start time of theirs lowers
        // it. Without them the nightly matrix alone fits in four hours.
        var noRelease = fast with { Jobs = fast.Jobs.Where(j => j.Kind != "release").ToList() };
        Assert.That(SimReport.MaxWaitFloor(noRelease).Floor, Is.LessThan(TimeSpan.FromHours(4)));
    }
}
