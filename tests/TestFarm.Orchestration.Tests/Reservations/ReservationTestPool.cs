using TestFarm.Core.Hardware;
using TestFarm.Core.Plans;
using TestFarm.Core.Pool;
using TestFarm.Core.Scheduling;

namespace TestFarm.Orchestration.Tests.Reservations;

internal static class ReservationTestPool
{
    public static readonly IReadOnlyDictionary<string, HardwareProfile> Profiles = new Dictionary<string, HardwareProfile>
    {
        ["x86"] = new()
        {
            Name = "x86", Arch = CpuArchitecture.Amd64, Cpu = new CpuSpec { Vendor = "v", Model = "m", Cores = 8 }, MemoryGiB = 32,
        },
    };

    public static PoolInventory Pool(int count) => new()
    {
        Machines = Enumerable.Range(0, count).Select(i => new PoolMachine
        {
            Id = $"m{i}", Profile = "x86", ProvisioningMac = $"52:54:00:00:00:{i:x2}",
            Bmc = new BmcEndpoint { Url = new Uri($"http://127.0.0.1:1/bmc/m{i}"), Credentials = new CredentialReference { User = "admin", PasswordEnv = "TESTFARM_LAB_BMC_PASSWORD" } },
        }).ToList(),
    };

    public static ReservationRequest Request(string id, int count, PriorityClass priority, DateTimeOffset at) => new()
    {
        Id = id, Plan = "nightly", Profile = "x86", Priority = priority, SubmittedAt = at, EstimatedDuration = TimeSpan.FromHours(1),
        Topology = new Topology { Name = $"n{count}", Roles = [new TopologyRole { Name = "node", Count = count }] },
    };

    public static FarmScheduler Scheduler() =>
        new(new GangChooser(Profiles), new PolicyOptions(), new HistoryDurationEstimator(TimeSpan.FromHours(2)));
}
