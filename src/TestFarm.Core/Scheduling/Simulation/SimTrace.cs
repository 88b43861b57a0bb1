using TestFarm.Core.Hardware;
using TestFarm.Core.Machines;
using TestFarm.Core.Plans;

namespace TestFarm.Core.Scheduling.Simulation;

/// <summary>
/// One request of a simulated week: when it arrives, what it asks, how long it really holds on the full path (every
/// machine reimaged through a power cycle and its firmware POST, see <see cref="SimTrace.Duration"/>).
/// </summary>
public sealed record SimJob(ReservationRequest Request, TimeSpan ActualDuration, string Kind)
{
    /// <summary>The build comes from a trusted author (the farm's own nightly and release builds); untrusted builds always take the full path.</summary>
    public bool Trusted { get; init; } = true;
}

/// <summary>A simulated farm and its load, generated from a seed.</summary>
public sealed record SimTrace(IReadOnlyList<MachineRecord> Machines, IReadOnlyDictionary<string, HardwareProfile> Profiles, IReadOnlyList<SimJob> Jobs, DateTimeOffset Start)
{
    /// <summary>Machines that fail a health check at the given time: quarantined then, or as soon as their hold ends.</summary>
    public IReadOnlyList<(DateTimeOffset At, string Machine)> Failures { get; init; } = [];

    /// <summary>
    /// The farm keeps a machine powered in its agent after a trusted cell's cleaning (<c>Provisioning:FastTrack</c>), so
    /// the next trusted cell on it boots by kexec without the reimage's firmware POST. Off: every cell takes the full path.
    /// </summary>
    public bool FastTrack { get; init; }

    /// <summary>
    /// The reimage POST a cell of <paramref name="job"/> skips when every machine of its gang is fast-tracked: the profile's
    /// <c>firmware.postSeconds</c>, or zero when fast track is off, the build untrusted or the profile forbids it
    /// (<c>boot.fastTrack: false</c>). The cleaning's POST is paid either way.
    /// </summary>
    public TimeSpan FastTrackSaving(SimJob job) =>
        FastTrack && job.Trusted && job.Request.Profile is { } p && Profiles.TryGetValue(p, out var profile) && profile.Boot.FastTrack
            ? profile.Firmware.Post : TimeSpan.Zero;

    /// <summary>How long <paramref name="job"/> holds its machines on the path it took: less by exactly the POST saved when fast-tracked.</summary>
    public TimeSpan Duration(SimJob job, bool fastTracked) => fastTracked ? job.ActualDuration - FastTrackSaving(job) : job.ActualDuration;

    /// <summary>The least <paramref name="job"/> can hold in any schedule (fast-tracked where it may be): what the floors count.</summary>
    public TimeSpan Shortest(SimJob job) => job.ActualDuration - FastTrackSaving(job);
}

/// <summary>Shape of a simulated week beyond its size.</summary>
public sealed record SimLoad
{
    /// <summary>Time of day the nightly plan is triggered (the day's build is cut). Default 20:00.</summary>
    public TimeSpan NightlyAt { get; init; } = TimeSpan.FromHours(20);

    /// <summary>Local time (UTC in the simulation) the nightly's results are wanted by, the next morning. Default 08:00; null for none.</summary>
    public TimeOnly? NightlyDeadline { get; init; } = new(8, 0);

    /// <summary>Share of machines that fail a health check at a random time on Wednesday or Thursday. Default 0.</summary>
    public double FailingShare { get; init; }

    /// <summary>Kubernetes versions in the nightly matrix (each × 3- and 5-node cells per profile). Default 6.</summary>
    public int NightlyVersions { get; init; } = 6;

    /// <summary>Multiplier of the pull-request arrival rate. Default 1.</summary>
    public double PrRate { get; init; } = 1;

    /// <summary>
    /// The farm fast-tracks trusted cells onto machines a trusted cell's cleaning left in their agent (see
    /// <see cref="SimTrace.FastTrack"/>). Default true; false charges every cell the full path.
    /// </summary>
    public bool FastTrack { get; init; } = true;

    /// <summary>
    /// The heavier week: 2,000 machines and 30 profiles under the same load per machine as the default week (nightly
    /// matrix of 16 versions, pull requests at 10× the rate), 5 % of machines failing health checks mid-week.
    /// </summary>
    public static SimLoad Heavy(SimLoad baseLoad) => baseLoad with { NightlyVersions = 16, PrRate = 10, FailingShare = 0.05 };
}

/// <summary>
/// Generates a week of load: a nightly full matrix every night (each profile × 6 Kubernetes versions × 3- and 5-node topologies,
/// triggered at <see cref="SimLoad.NightlyAt"/>, wanted by <see cref="SimLoad.NightlyDeadline"/>),
/// pull-request matrices arriving in working hours with bursts (weekdays 9-18 h, double rate 10-11 and 14-15 h),
/// and two release qualifications (every profile × 8 nodes). Durations per profile: reimage (costing two reboots at the
/// profile's <c>firmware.postSeconds</c>) + deploy + test, actual = estimate × U(0.8, 1.25) on the full path; a
/// fast-tracked cell skips the reimage's POST (<see cref="SimTrace.Duration"/>). Nightly and release builds are the farm's
/// own (trusted); every pull request counts as untrusted (a fork's), the case that never fast-tracks.
/// </summary>
public static class SimTraceGenerator
{
    public static readonly DateTimeOffset Monday = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    public static SimTrace Generate(int machines, int profiles, int days, int seed, SimLoad? load = null)
    {
        load ??= new SimLoad();
        var rng = new Random(seed);
        // Firmware POST per profile, 60-240 s like the shipped server profiles; its own stream, so the rest of the week is
        // drawn as before.
        var posts = new Random(seed + 2);
        var profileMap = Enumerable.Range(0, profiles).ToDictionary(i => $"p{i}", i => new HardwareProfile
        {
            Name = $"p{i}", Arch = i % 3 == 2 ? CpuArchitecture.Arm64 : CpuArchitecture.Amd64,
            Cpu = new CpuSpec { Vendor = "v", Model = "m", Cores = 32 }, MemoryGiB = 256,
            Firmware = new FirmwareSpec { PostSeconds = posts.Next(60, 241) },
        });
        var pool = Enumerable.Range(0, machines).Select(i => new MachineRecord
        {
            Id = $"m{i:D5}", Profile = $"p{i % profiles}", L2Domain = $"rack{i % 4}", State = MachineState.Available,
        }).ToList();
        // Per-profile base time of one cell: reimage (image write and OS boots 5-20 min, plus two firmware POSTs of the
        // profile: the reimage's and the cleaning's) + deploy 20-40 min + tests (kind-specific).
        var setup = Enumerable.Range(0, profiles).Select(i => TimeSpan.FromMinutes(rng.Next(10, 26) - 5 + rng.Next(20, 41))
            + 2 * profileMap[$"p{i}"].Firmware.Post).ToArray();
        var jobs = new List<SimJob>();
        var n = 0;

        void Add(string kind, PriorityClass priority, string repo, int profile, int count, DateTimeOffset at, TimeSpan tests, DateTimeOffset? deadline = null)
        {
            var estimate = setup[profile] + tests;
            var actual = TimeSpan.FromMinutes(estimate.TotalMinutes * (0.8 + 0.45 * rng.NextDouble()));
            var request = new ReservationRequest
            {
                Id = $"{kind}-{n++:D5}", Plan = kind, Profile = $"p{profile}", Priority = priority, Repository = repo, SubmittedAt = at,
                EstimatedDuration = estimate, Deadline = deadline,
                Topology = new Topology { Name = $"n{count}", Roles = [new TopologyRole { Name = "node", Count = count }] },
            };
            jobs.Add(new SimJob(request, actual, kind) { Trusted = kind != "pr" });
        }

        for (var d = 0; d < days; d++)
        {
            var day = Monday.AddDays(d);
            var nightlyAt = day + load.NightlyAt;
            DateTimeOffset? due = load.NightlyDeadline is { } local ? Deadlines.Next(local, nightlyAt, TimeSpan.Zero) : null;
            for (var p = 0; p < profiles; p++)
            {
                for (var version = 0; version < load.NightlyVersions; version++)
                {
                    Add("nightly", PriorityClass.Nightly, "nightly", p, 3, nightlyAt, TimeSpan.FromMinutes(150 + rng.Next(60)), due);
                    Add("nightly", PriorityClass.Nightly, "nightly", p, 5, nightlyAt, TimeSpan.FromMinutes(180 + rng.Next(60)), due);
                }
            }
            if (d % 7 >= 5) continue;
            for (var minute = 9 * 60; minute < 18 * 60; minute++)
            {
                var burst = minute is >= 600 and < 660 or >= 840 and < 900;
                var ratePerMinute = (burst ? 16.0 : 6.0) / 60 * load.PrRate;
                var arrivals = (int)ratePerMinute + (rng.NextDouble() < ratePerMinute - (int)ratePerMinute ? 1 : 0);
                for (var a = 0; a < arrivals; a++)
                {
                    var repo = $"repo-{rng.Next(4)}";
                    var at = day.AddMinutes(minute);
                    foreach (var p in Enumerable.Range(0, profiles).OrderBy(_ => rng.Next()).Take(2))
                        Add("pr", PriorityClass.PullRequest, repo, p, 1 + rng.Next(3), at, TimeSpan.FromMinutes(rng.Next(20, 61)));
                }
            }
        }
        foreach (var releaseDay in new[] { 1, Math.Min(4, days - 1) }.Distinct())
        {
            for (var p = 0; p < profiles; p++)
                Add("release", PriorityClass.ReleaseQualification, "release", p, 8, Monday.AddDays(releaseDay).AddHours(12), TimeSpan.FromHours(6 + rng.Next(5)));
        }
        var failing = new Random(seed + 1);
        var failures = pool.OrderBy(_ => failing.Next()).Take((int)Math.Round(machines * load.FailingShare))
            .Select(m => (Monday.AddDays(2).AddMinutes(failing.Next(2 * 24 * 60)), m.Id)).OrderBy(f => f.Item1).ToList();
        return new SimTrace(pool, profileMap, jobs.OrderBy(j => j.Request.SubmittedAt).ThenBy(j => j.Request.Id, StringComparer.Ordinal).ToList(), Monday)
        {
            Failures = failures, FastTrack = load.FastTrack,
        };
    }
}
