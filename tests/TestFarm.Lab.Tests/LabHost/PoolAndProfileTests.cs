using TestFarm.Core.Hardware;
using TestFarm.Core.Pool;
using TestFarm.Lab.LabHost;
using TestFarm.Testing;
using YamlDotNet.RepresentationModel;

namespace TestFarm.Lab.Tests.LabHost;

public sealed class PoolAndProfileTests
{
    // Shape of the team's hardware-profiles/*.yaml (keys as agreed in the shared formats).
    private const string Profile = """
        name: xeon-test
        arch: amd64
        cpu: { vendor: Intel, model: Xeon Gold 6338, sockets: 2, cores: 32 }
        memoryGiB: 512
        nics:
          - { vendor: Broadcom, model: BCM5720, driver: tg3, speedGbps: 1, ports: 2, count: 1, role: provisioning }
          - { vendor: NVIDIA, model: ConnectX-6 Dx, driver: mlx5_core, speedGbps: 100, ports: 2, count: 1, role: data }
        storage:
          - { kind: ssd, sizeGB: 480, count: 2, role: os }
          - { kind: nvme, sizeGB: 6400, count: 4, role: rook-osd }
        firmware: { bios: 1.12.1, bmc: iDRAC9 7.00, nic: 22.39 }
        boot: { modes: [uefi], methods: [pxe, http, virtual-media] }
        labels: { vendor: dell }
        """;

    [Test]
    public async Task A_profile_file_becomes_the_lab_machines_inventory()
    {
        using var dir = new TempDirectory();
        await File.WriteAllTextAsync(dir.File("xeon-test.yaml"), Profile);
        var profiles = ProfileFileReader.Load(["xeon-test"], dir.Path);
        Assert.That(profiles[0].Storage[1].Role, Is.EqualTo(StorageRole.RookOsd));
        Assert.That(profiles[0].Boot.Methods, Is.EqualTo(new[] { BootMethod.Pxe, BootMethod.Http, BootMethod.VirtualMedia }));

        await using var lab = await VirtualLab.StartAsync(new LabOptions { SimulatedMachines = 1, Password = "lab-secret" }, profiles, new FakeTimeProvider());
        var inventory = lab.Machines[0].Inventory;
        Assert.That(inventory.Cpus, Has.Count.EqualTo(2));
        Assert.That(inventory.Nics.Select(n => n.SpeedMbps), Is.EqualTo(new[] { 1000, 1000, 100000, 100000 }));
        Assert.That(inventory.Drives.Count(d => d.Protocol == "NVMe"), Is.EqualTo(4));
        Assert.That(inventory.Dimms.Sum(d => d.CapacityMiB), Is.EqualTo(512 * 1024));
        Assert.That(inventory.Drives.Select(d => d.LinuxDevice), Is.EqualTo(new[] { "sda", "sdb", "nvme0n1", "nvme1n1", "nvme2n1", "nvme3n1" }));

        lab.Machines[0].SetDrivePulled("Drive4", pulled: true);
        var osds = lab.Machines[0].VisibleDrives.Where(d => d.Role == StorageRole.RookOsd).Select(d => d.LinuxDevice);
        Assert.That(osds, Is.EqualTo(new[] { "nvme0n1", "nvme2n1", "nvme3n1" }), "a pulled drive leaves the OSD devices the cluster sees");
    }

    [Test]
    public async Task A_wrong_enum_names_the_file_and_field()
    {
        using var dir = new TempDirectory();
        await File.WriteAllTextAsync(dir.File("bad.yaml"), Profile.Replace("name: xeon-test", "name: bad").Replace("kind: nvme", "kind: tape"));
        Assert.That(() => ProfileFileReader.Load(["bad"], dir.Path),
            Throws.InstanceOf<InvalidDataException>().With.Message.Match(@"bad\.yaml:\d+:\d+: .*'tape'"));
        Assert.That(() => ProfileFileReader.Load(["missing"], dir.Path), Throws.InstanceOf<FileNotFoundException>());
    }

    [Test]
    public async Task The_pool_file_has_full_bmc_urls_and_credentials_by_reference_only()
    {
        await using var lab = await VirtualLab.StartAsync(new LabOptions { SimulatedMachines = 2, Password = "do-not-write-me" }, [], new FakeTimeProvider());
        var yaml = PoolFileWriter.ToYaml(lab.ToPool());
        Assert.That(yaml, Does.Not.Contain("do-not-write-me"));

        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var machines = (YamlSequenceNode)((YamlMappingNode)stream.Documents[0].RootNode)["machines"];
        var first = (YamlMappingNode)machines[0];
        var bmc = (YamlMappingNode)first["bmc"];
        Assert.That(((YamlScalarNode)bmc["url"]).Value, Is.EqualTo($"http://127.0.100.1:{lab.BaseAddress.Port}"), "the BMC's own address");
        Assert.That(((YamlScalarNode)((YamlMappingNode)((YamlMappingNode)machines[1])["bmc"])["url"]).Value, Is.EqualTo($"http://127.0.100.2:{lab.BaseAddress.Port}"));
        Assert.That(((YamlScalarNode)((YamlMappingNode)bmc["credentials"])["passwordEnv"]).Value, Is.EqualTo("TESTFARM_LAB_BMC_PASSWORD"));
        Assert.That(((YamlScalarNode)first["provisioningMac"]).Value, Is.EqualTo(lab.Machines[0].ProvisioningMac));

        using var http = LabHttp.Client(new Uri(((YamlScalarNode)bmc["url"]).Value! + "/"), password: "do-not-write-me");
        Assert.That((await http.GetAsync("redfish/v1/Systems/1")).IsSuccessStatusCode, Is.True, "the pool's URL plus /redfish/v1 is the BMC's root");
    }

    [Test]
    public void Options_name_every_wrong_value()
    {
        var errors = new LabOptions { SimulatedMachines = -1, Port = 70000, Password = "" }.Validate();
        Assert.That(errors, Is.EquivalentTo(new[]
        {
            "SimulatedMachines must not be negative, was -1", "Port must be within 0..65535, was 70000", "Password must not be empty",
        }));
    }
}
