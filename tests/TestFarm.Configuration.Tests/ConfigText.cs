using TestFarm.Core.Configuration;

namespace TestFarm.Configuration.Tests;

/// <summary>Small valid files to build broken variants from, and a way to load a set of them.</summary>
internal static class ConfigText
{
    public const string Profile = """
        name: small
        arch: amd64
        cpu:
          vendor: AMD
          model: AMD EPYC 7443P 24-Core Processor
          cores: 24
        memoryGiB: 64
        nics:
          - vendor: Broadcom
            model: BCM57414
            driver: bnxt_en
            speedGbps: 25
        storage:
          - kind: nvme
            sizeGB: 960
            role: rook-osd
        """;

    public const string ArmProfile = """
        name: arm
        arch: arm64
        cpu: {vendor: Ampere, model: Ampere Altra Q80-30, cores: 80}
        memoryGiB: 256
        nics:
          - {vendor: NVIDIA, model: ConnectX-6 Dx, driver: mlx5_core, speedGbps: 100}
        """;

    public const string Suite = """
        name: quick
        steps:
          - kind: probe
            name: api-up
            url: /healthz
        """;

    public const string Plan = """
        name: tiny
        trigger: {kind: manual}
        matrix:
          profiles:
            - arch: amd64
          topologies:
            - name: 1cp-1w
              roles:
                - {name: control-plane, count: 1}
                - {name: worker, count: 1}
        cluster: {deployer: lab, kubernetesVersion: 1.32.3}
        suites: [quick]
        """;

    public static string Pool(params (string Id, string Profile, string L2)[] machines) =>
        "machines:\n" + string.Concat(machines.Select((m, i) => $"""
              - id: {m.Id}
                profile: {m.Profile}
                bmc:
                  url: http://127.0.0.1:8000/bmc/{m.Id}
                  credentials: {"{"}user: admin, passwordEnv: TESTFARM_LAB_BMC_PASSWORD{"}"}
                provisioningMac: "52:54:00:00:00:{i + 1:x2}"
                location: {"{"}l2Domain: {m.L2}{"}"}

            """));

    public static ConfigurationSet Load(params (string Path, string Text)[] files) =>
        ConfigurationLoader.Load(files.Select(f => new ConfigFile(f.Path, f.Text)));

    public static IReadOnlyList<string> Messages(ConfigurationSet set) => set.Errors.Select(e => e.ToString()).ToList();
}
