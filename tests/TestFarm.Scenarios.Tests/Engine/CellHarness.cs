using TestFarm.Core.Hardware;
using TestFarm.Core.Pool;
using TestFarm.Core.Suites;
using TestFarm.Scenarios.Engine;
using TestFarm.Testing;
using TestFarm.Testing.Cluster;

namespace TestFarm.Scenarios.Tests.Engine;

/// <summary>A three-machine cell (one control plane, two workers) on a healthy fake cluster and a fake clock.</summary>
internal sealed class CellHarness : IDisposable
{
    public FakeTimeProvider Time { get; } = new();
    public FakeClusterApi Cluster { get; }
    public Dictionary<string, FakeBmc> Bmcs { get; } = [];
    public TempDirectory Artifacts { get; } = new("scenarios");
    public CellContext Cell { get; private set; }

    public static readonly HardwareProfile Profile = new()
    {
        Name = "lab-amd64", Arch = CpuArchitecture.Amd64, Cpu = new CpuSpec { Vendor = "AMD", Model = "EPYC", Sockets = 2, Cores = 16 },
        MemoryGiB = 256, Storage = [new StorageSpec { Kind = StorageKind.Nvme, SizeGB = 1920, Count = 2, Role = StorageRole.RookOsd }],
    };

    public CellHarness(Action<string, FakeBmc, CellHarness>? onPower = null)
    {
        var nodes = new[] { new FakeNode("cp-0", "control-plane"), new FakeNode("w-0", "worker"), new FakeNode("w-1", "worker") };
        Cluster = HealthyCluster.Create(Time, nodes);
        var machines = new List<CellMachine>();
        foreach (var n in nodes)
        {
            FakeBmc? bmc = null;
            bmc = new FakeBmc { OnReset = _ => onPower?.Invoke(n.Name, bmc!, this) };
            Bmcs[n.Name] = bmc;
            machines.Add(new CellMachine
            {
                Machine = new PoolMachine
                {
                    Id = $"m-{n.Name}", Profile = Profile.Name, ProvisioningMac = "52:54:00:00:00:01",
                    Bmc = new BmcEndpoint { Url = new Uri($"http://127.0.0.1:1/bmc/m-{n.Name}"), Credentials = new CredentialReference { User = "admin" } },
                },
                NodeName = n.Name, Role = n.Role, Bmc = bmc,
            });
        }
        Cell = new CellContext
        {
            CellId = "nightly/lab-amd64/3-node", Cluster = Cluster, ClusterName = "cell-cluster", Machines = machines, Profile = Profile,
            KubernetesVersion = "v1.32.1", Time = Time, ArtifactsDirectory = Artifacts.Path,
        };
    }

    public CellHarness With(Func<CellContext, CellContext> change)
    {
        Cell = change(Cell);
        return this;
    }

    /// <summary>Runs the suite, moving fake time on in steps until it completes (all fakes answer synchronously).</summary>
    public SuiteRun Run(Suite suite, TimeSpan? step = null, TimeSpan? max = null)
    {
        var task = SuiteRunner.CreateDefault().RunAsync(suite, Cell);
        var limit = Time.GetUtcNow() + (max ?? TimeSpan.FromHours(2));
        while (!task.IsCompleted)
        {
            if (Time.GetUtcNow() > limit) throw new TimeoutException($"suite {suite.Name} did not finish within {max} of fake time");
            Time.Advance(step ?? TimeSpan.FromMilliseconds(500));
        }
        return task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Runs the suite under <paramref name="cancellationToken"/>, moving fake time on in 500 ms steps. A cancelled step
    /// may continue on the thread pool, so this yields between steps and is bounded by real time, not by fake time.
    /// </summary>
    public async Task<SuiteRun> RunStoppableAsync(Suite suite, CancellationToken cancellationToken)
    {
        // The suite itself obeys the token; the wait here is bounded by real time only.
        return await Time.DriveAsync(SuiteRunner.CreateDefault().RunAsync(suite, Cell, cancellationToken), TimeSpan.FromMilliseconds(500));
    }

    public static Suite Suite(string name, params SuiteStep[] steps) => new() { Name = name, Steps = steps };

    public static SuiteStep Step(string kind, string name, string settingsYaml) => new()
    {
        Kind = kind, Name = name, Source = $"test.yaml:1:1",
        Settings = YamlSettings.Parse(settingsYaml),
    };

    public void Dispose() => Artifacts.Dispose();
}

/// <summary>Parses a YAML mapping into the settings shape the loader produces (strings, lists, maps).</summary>
internal static class YamlSettings
{
    public static IReadOnlyDictionary<string, object?> Parse(string yaml)
    {
        using var dir = new TempDirectory("yaml");
        var path = dir.File("s.yaml");
        File.WriteAllText(path, "name: t\nsteps:\n  - kind: probe\n    name: x\n" + string.Join("\n", yaml.Split('\n').Select(l => "    " + l)));
        var file = SuiteFileReader.Read(path, validators: []);
        return file.Suite!.Steps[0].Settings;
    }
}
