using System.Globalization;
using System.Text;
using TestFarm.Configuration;
using TestFarm.Core.Configuration;
using TestFarm.Scenarios;

namespace TestFarm.Cli.Commands.Fuzz;

/// <summary>
/// What a pool or plan refers to, loaded once from a checkout: its hardware profiles, suites and pool. Without it a pool's
/// machines name unknown profiles and a plan unknown suites, so the fuzzer would only reach rejections. A pool is checked
/// against the profiles; a plan against the profiles, the suites and the pool (admission). It also writes valid pool and
/// plan files over these (<see cref="Generated"/>), so mutation starts from more shapes than the checkout's few files.
/// </summary>
internal sealed class ConfigFuzzContext
{
    private ConfigFuzzContext(ConfigurationSet loaded, IReadOnlyList<byte[]> pools, IReadOnlyList<byte[]> plans)
    {
        ForPools = new ConfigurationSet { Profiles = loaded.Profiles };
        ForPlans = new ConfigurationSet { Profiles = loaded.Profiles, Suites = loaded.Suites, Pool = loaded.Pool };
        (RepoPools, RepoPlans) = (pools, plans);
    }

    /// <summary>No checkout: the targets see the fuzzed file alone.</summary>
    public static ConfigFuzzContext None { get; } = new(new ConfigurationSet(), [], []);

    public ConfigurationSet ForPools { get; }
    public ConfigurationSet ForPlans { get; }
    /// <summary>The checkout's own pool and plan files, as seeds.</summary>
    public IReadOnlyList<byte[]> RepoPools { get; }
    public IReadOnlyList<byte[]> RepoPlans { get; }
    public bool IsEmpty => ForPlans.Profiles.Count == 0;

    /// <summary>
    /// <paramref name="root"/>'s <c>hardware-profiles/*.yaml</c>, <c>scenarios/suites/*.yaml</c> and <c>pool.yaml</c>; the
    /// files that do not load are left out (their errors are <c>validate</c>'s business). Null when the root has no profiles.
    /// </summary>
    public static ConfigFuzzContext? Load(string root)
    {
        var profiles = Files(root, "hardware-profiles");
        if (profiles.Count == 0) return null;
        var suites = Files(root, Path.Combine("scenarios", "suites"));
        var pool = File.Exists(Path.Combine(root, "pool.yaml")) ? new ConfigFile("pool.yaml", File.ReadAllText(Path.Combine(root, "pool.yaml"))) : null;
        var set = ConfigurationLoader.Load([.. profiles, .. suites, .. pool is null ? [] : new[] { pool }], ConfigFuzzTargets.Validators.Value);
        var bad = set.Errors.Select(e => e.File).ToHashSet(StringComparer.Ordinal);
        var good = set with
        {
            Profiles = [.. set.Profiles.Where(p => !bad.Contains(p.File))],
            Suites = [.. set.Suites.Where(s => !bad.Contains(s.File))],
            Pool = set.Pool is { } p && !bad.Contains(p.File) ? p : null,
        };
        var plans = Files(root, Path.Combine("scenarios", "plans")).Select(f => Encoding.UTF8.GetBytes(f.Text)).ToList();
        return new ConfigFuzzContext(good, pool is null ? [] : [Encoding.UTF8.GetBytes(pool.Text)], plans);
    }

    /// <summary>Valid files of <paramref name="target"/> (pool or plan) written over the context, varied by <paramref name="seed"/>.</summary>
    public IReadOnlyList<byte[]> Generated(string target, int count, int seed)
    {
        if (IsEmpty) return [];
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i => Encoding.UTF8.GetBytes(target == "pool" ? Pool(random, i) : Plan(random, i)))];
    }

    private string Pool(Random random, int n)
    {
        var text = new StringBuilder("machines:\n");
        var machines = 1 + random.Next(6);
        for (var i = 0; i < machines; i++)
        {
            var profile = ForPools.Profiles[random.Next(ForPools.Profiles.Count)].Value.Name;
            var id = string.Create(CultureInfo.InvariantCulture, $"gen-{n}-{i}");
            var inv = CultureInfo.InvariantCulture;
            text.Append(inv, $"  - id: {id}\n    profile: {profile}\n    bmc:\n      url: http://127.0.{200 + (n % 50)}.{1 + i}:8000\n");
            if (random.Next(2) == 0) text.Append("      auth: session\n");
            text.Append(inv, $"      credentials: {{ user: admin, passwordEnv: TESTFARM_BMC_{i} }}\n");
            text.Append(inv, $"    provisioningMac: \"52:54:00:{n % 256:x2}:{i:x2}:{random.Next(256):x2}\"\n");
            if (random.Next(2) == 0)
                text.Append(CultureInfo.InvariantCulture, $"    location: {{ site: s{n % 3}, rack: r{i}, l2Domain: l2-{n % 2} }}\n");
            if (random.Next(3) == 0) text.Append(CultureInfo.InvariantCulture, $"    labels: {{ slot: \"u{i:00}\" }}\n");
        }
        return text.ToString();
    }

    private string Plan(Random random, int n)
    {
        var pool = ForPlans.Pool?.Value.Machines ?? [];
        var usable = ForPlans.Profiles.Select(p => p.Value.Name).Where(name => pool.Count(m => m.Profile == name) >= 2).ToList();
        if (usable.Count == 0 || ForPlans.Suites.Count == 0) return "";
        var profiles = usable.OrderBy(_ => random.Next()).Take(1 + random.Next(Math.Min(3, usable.Count))).ToList();
        var suites = ForPlans.Suites.Select(s => s.Value.Name).OrderBy(_ => random.Next()).Take(1 + random.Next(2)).ToList();
        var deployer = PlanLoader.Deployers[random.Next(PlanLoader.Deployers.Count)];
        var workers = random.Next(2);
        return string.Create(CultureInfo.InvariantCulture, $$"""
            name: generated-{{n}}
            description: generated for the fuzzer
            trigger: {{(random.Next(2) == 0 ? "{ kind: manual }" : "{ kind: nightly, cron: \"0 0 3 * * ?\" }")}}
            matrix:
              profiles:
            {{string.Join("\n", profiles.Select(p => $"    - name: {p}"))}}
              topologies:
                - name: t{{n}}
                  roles:
                    - { name: control-plane, count: 1 }
            {{(workers > 0 ? "        - { name: worker, count: 1 }\n" : "")}}cluster:
              deployer: {{deployer}}
              kubernetesVersion: 1.32.{{random.Next(10)}}
              addOns:
                - { name: metallb, version: 0.15.3 }
            {{(random.Next(2) == 0 ? "    - { name: rook-ceph, version: 1.17.9 }\n" : "")}}suites: [{{string.Join(", ", suites)}}]
            timeouts: { reimage: {{5 + random.Next(20)}}m, deploy: 30m, suites: 2h }
            """);
    }

    private static List<ConfigFile> Files(string root, string folder)
    {
        var path = Path.Combine(root, folder);
        return !Directory.Exists(path) ? []
            : [.. Directory.GetFiles(path, "*.yaml").Order(StringComparer.Ordinal).Select(f => new ConfigFile(Path.GetRelativePath(root, f).Replace('\\', '/'), File.ReadAllText(f)))];
    }
}
