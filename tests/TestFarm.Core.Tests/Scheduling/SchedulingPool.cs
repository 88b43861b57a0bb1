using TestFarm.Core.Hardware;
using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Core.Scheduling;

namespace TestFarm.Core.Tests.Scheduling;

internal static class SchedulingPool
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    public static readonly IReadOnlyDictionary<string, HardwareProfile> Profiles = new Dictionary<string, HardwareProfile>
    {
        ["x86"] = Profile("x86", CpuArchitecture.Amd64, "ice"),
        ["arm"] = Profile("arm", CpuArchitecture.Arm64, "mlx5_core"),
    };

    private static HardwareProfile Profile(string name, CpuArchitecture arch, string driver) => new()
    {
        Name = name, Arch = arch, Cpu = new CpuSpec { Vendor = "v", Model = "m", Cores = 16 }, MemoryGiB = 64,
        Nics = [new NicSpec { Vendor = "v", Model = "m", Driver = driver, SpeedGbps = 25 }],
    };

    public static List<MachineRecord> PoolOf(string profile, int count, string l2 = "l2a", MachineState state = MachineState.Available) =>
        Enumerable.Range(0, count).Select(i => new MachineRecord { Id = $"{profile}-{l2}-{i:D2}", Profile = profile, L2Domain = l2, State = state }).ToList();

    public static ReservationRequest Req(string id, string? profile, int count, PriorityClass priority = PriorityClass.Nightly,
        TimeSpan? duration = null, DateTimeOffset? at = null, string repo = "repo-a", IReadOnlyDictionary<string, string>? selector = null) => new()
    {
        Id = id, Plan = "p", Profile = profile, Priority = priority, Repository = repo, SubmittedAt = at ?? T0,
        EstimatedDuration = duration ?? TimeSpan.FromHours(1),
        Topology = new Topology { Name = "t", Roles = [new TopologyRole { Name = "node", Count = count, Selector = new Selector { Match = selector ?? new Dictionary<string, string>() } }] },
    };

    public static FarmScheduler Scheduler(PolicyOptions? options = null) =>
        new(new GangChooser(Profiles), options ?? new PolicyOptions(), new HistoryDurationEstimator(TimeSpan.FromHours(2)));
}
