using TestFarm.Core.Configuration;
using TestFarm.Core.Hardware;
using TestFarm.Core.Plans;
using TestFarm.Core.Pool;

namespace TestFarm.Configuration.Tests;

public sealed class MatrixTests
{
    private static HardwareProfile Profile(string name, CpuArchitecture arch, string driver, StorageRole role = StorageRole.RookOsd) => new()
    {
        Name = name, Arch = arch, MemoryGiB = 64,
        Cpu = new CpuSpec { Vendor = "v", Model = "m", Cores = 8 },
        Nics = [new NicSpec { Vendor = "v", Model = "m", Driver = driver, SpeedGbps = 25 }],
        Storage = [new StorageSpec { Kind = StorageKind.Nvme, SizeGB = 960, Role = role }],
    };

    private static PoolMachine Machine(string id, string profile, string rack = "r1", string l2 = "l2a", Dictionary<string, string>? labels = null) => new()
    {
        Id = id, Profile = profile, ProvisioningMac = "52:54:00:00:00:01",
        Bmc = new BmcEndpoint { Url = new Uri($"http://127.0.0.1:8000/bmc/{id}"), Credentials = new CredentialReference { PasswordEnv = "P" } },
        Location = new MachineLocation { Rack = rack, L2Domain = l2 }, Labels = labels ?? [],
    };

    private static readonly HardwareProfile[] Profiles =
    [
        Profile("zeta-arm", CpuArchitecture.Arm64, "mlx5_core"), Profile("alpha-amd", CpuArchitecture.Amd64, "ice"),
        Profile("beta-arm", CpuArchitecture.Arm64, "bnxt_en", StorageRole.Os),
    ];

    private static Topology Topology(string name, params TopologyRole[] roles) => new() { Name = name, Roles = roles };

    private static TopologyRole Role(string name, int count, params (string, string)[] match) =>
        new() { Name = name, Count = count, Selector = new Selector { Match = match.ToDictionary(m => m.Item1, m => m.Item2) } };

    private static Plan Plan(PlanMatrix matrix) => new()
    {
        Name = "p", Trigger = new PlanTrigger { Kind = TriggerKind.Manual }, Matrix = matrix,
        Cluster = new ClusterSpec { Deployer = "lab", KubernetesVersion = "1.32.3" },
    };

    [Test]
    public void Cells_are_sorted_by_id_and_the_same_whatever_the_input_order()
    {
        var plan = Plan(new PlanMatrix
        {
            Profiles = [new Selector { Match = new Dictionary<string, string> { ["arch"] = "arm64" } }, new Selector { Match = new Dictionary<string, string> { ["name"] = "alpha-amd" } }],
            Topologies = [Topology("b-topo", Role("cp", 1)), Topology("a-topo", Role("cp", 1))],
        });
        var ids = MatrixExpander.Expand(plan, Profiles).Select(c => c.Id).ToList();
        Assert.That(ids, Is.EqualTo(new[] { "p/alpha-amd/a-topo", "p/alpha-amd/b-topo", "p/beta-arm/a-topo", "p/beta-arm/b-topo", "p/zeta-arm/a-topo", "p/zeta-arm/b-topo" }));
        Assert.That(MatrixExpander.Expand(plan, Profiles.Reverse()).Select(c => c.Id), Is.EqualTo(ids));
    }

    [Test]
    public void Exclude_takes_wildcards_and_include_adds_a_pair_outside_the_selectors()
    {
        var plan = Plan(new PlanMatrix
        {
            Profiles = [new Selector { Match = new Dictionary<string, string> { ["arch"] = "arm64" } }],
            Topologies = [Topology("small", Role("cp", 1)), Topology("big", Role("cp", 3))],
            Exclude = [new MatrixPoint { Topology = "big" }, new MatrixPoint { Profile = "beta-arm", Topology = "small" }],
            Include = [new MatrixPoint { Profile = "alpha-amd", Topology = "big" }],
        });
        Assert.That(MatrixExpander.Expand(plan, Profiles).Select(c => c.Id), Is.EqualTo(new[] { "p/alpha-amd/big", "p/zeta-arm/small" }));
    }

    [Test]
    public void Admission_names_the_role_the_selector_and_how_many_the_pool_has()
    {
        var plan = Plan(new PlanMatrix
        {
            Profiles = [new Selector { Match = new Dictionary<string, string> { ["nics.driver"] = "mlx5_core" } }],
            Topologies = [Topology("t", Role("control-plane", 1), Role("worker", 3, ("location.rack", "r2")))],
        });
        var pool = new PoolInventory { Machines = [Machine("a", "zeta-arm"), Machine("b", "zeta-arm", "r2"), Machine("c", "zeta-arm", "r2"), Machine("d", "zeta-arm")] };
        var expansion = MatrixExpander.Expand(plan, Profiles, pool);
        Assert.That(expansion.Cells, Is.Empty);
        Assert.That(expansion.Rejected.Single().Message,
            Is.EqualTo("cell p/zeta-arm/t cannot be admitted: role worker needs 3× zeta-arm with location.rack=r2; pool has 2"));
    }

    [Test]
    public void Admission_fills_overlapping_roles_with_distinct_machines()
    {
        var cell = new MatrixCell
        {
            Id = "p/zeta-arm/t", Plan = "p", Profile = "zeta-arm",
            Topology = Topology("t", Role("any", 2), Role("special", 1, ("labels.gpu", "true"))),
        };
        var pool = new[] { Machine("a", "zeta-arm", labels: new() { ["gpu"] = "true" }), Machine("b", "zeta-arm"), Machine("c", "zeta-arm"), Machine("x", "alpha-amd") };
        var result = Admission.Check(cell, Profiles[0], pool);
        Assert.That(result.Admitted, Is.True, result.Reason);
        Assert.That(result.Assignment["special"].Select(m => m.Id), Is.EqualTo(new[] { "a" }));
        Assert.That(result.Assignment["any"].Select(m => m.Id), Is.EqualTo(new[] { "b", "c" }));
    }

    [Test]
    public void Selectors_match_profile_fields_numbers_labels_and_machine_location()
    {
        var profile = Profiles[0] with { Labels = new Dictionary<string, string> { ["tier"] = "gold" } };
        var machine = Machine("m", "zeta-arm", rack: "r7", labels: new() { ["tier"] = "silver" });
        static Selector S(params (string, string)[] terms) => new() { Match = terms.ToDictionary(t => t.Item1, t => t.Item2) };
        Assert.Multiple(() =>
        {
            Assert.That(SelectorMatcher.Matches(S(("arch", "ARM64"), ("nics.driver", "mlx5_core"), ("storage.kind", "nvme"), ("storage.role", "rook-osd")), profile), Is.True);
            Assert.That(SelectorMatcher.Matches(S(("nics.speedGbps", ">=25"), ("memoryGiB", "<128")), profile), Is.True);
            Assert.That(SelectorMatcher.Matches(S(("nics.speedGbps", ">25")), profile), Is.False);
            Assert.That(SelectorMatcher.Matches(S(("boot.methods", "pxe")), profile), Is.True);
            Assert.That(SelectorMatcher.Matches(S(("labels.tier", "gold")), profile), Is.True);
            Assert.That(SelectorMatcher.Matches(S(("labels.tier", "silver")), profile, machine), Is.True, "machine labels come first");
            Assert.That(SelectorMatcher.Matches(S(("location.rack", "r7")), profile, machine), Is.True);
            Assert.That(SelectorMatcher.Matches(S(("location.rack", "r8")), profile, machine), Is.False);
            Assert.That(SelectorMatcher.Matches(S(("labels.missing", "x")), profile), Is.False);
            Assert.That(SelectorMatcher.Describe(S(("nics.driver", "mlx5_core"), ("arch", "arm64"))), Is.EqualTo("arch=arm64, nics.driver=mlx5_core"));
        });
    }

    [Test]
    public void Durations_parse_compound_values_and_refuse_others()
    {
        Assert.That(Durations.TryParse("1h30m", out var d) ? d : TimeSpan.Zero, Is.EqualTo(TimeSpan.FromMinutes(90)));
        Assert.That(Durations.TryParse("90s", out var s) ? s : TimeSpan.Zero, Is.EqualTo(TimeSpan.FromSeconds(90)));
        Assert.That(Durations.TryParse("30 minutes", out _), Is.False);
        Assert.That(Durations.TryParse("0m", out _), Is.False);
    }
}
