using TestFarm.Core.Configuration;
using TestFarm.Core.Hardware;
using TestFarm.Core.Plans;

namespace TestFarm.Configuration.Tests;

public sealed class ShippedFilesTests
{
    private static readonly ConfigurationSet Set = ConfigurationLoader.Load(ShippedFiles.All());

    [Test]
    public void The_shipped_files_load_without_errors()
    {
        Assert.That(Set.Errors.Select(e => e.ToString()), Is.Empty);
        Assert.That(Set.Plans.Select(p => p.Value.Name), Is.EquivalentTo(new[] { "nightly", "pr-matrix", "release-qualification" }));
    }

    [Test]
    public void The_shipped_profiles_cover_both_architectures_three_nic_vendors_and_every_storage_kind()
    {
        var profiles = Set.Profiles.Select(p => p.Value).ToList();
        Assert.That(profiles, Has.Count.GreaterThanOrEqualTo(8));
        Assert.That(profiles.Select(p => p.Arch).Distinct(), Is.EquivalentTo(new[] { CpuArchitecture.Amd64, CpuArchitecture.Arm64 }));
        var drivers = profiles.SelectMany(p => p.Nics).Select(n => n.Driver).ToHashSet();
        Assert.That(drivers, Is.SupersetOf(new[] { "ice", "i40e", "mlx5_core", "bnxt_en", "virtio_net" }));
        Assert.That(profiles.SelectMany(p => p.Nics).Select(n => n.Vendor).Distinct().Count(), Is.GreaterThanOrEqualTo(3));
        Assert.That(profiles.SelectMany(p => p.Storage).Select(s => s.Kind).Distinct(), Is.EquivalentTo(Enum.GetValues<StorageKind>()));
        Assert.That(profiles.SelectMany(p => p.Storage).Any(s => s.Role == StorageRole.RookOsd), Is.True);
        var lab = Set.Profile("lab-qemu-amd64")!;
        Assert.That((lab.Cpu.Cores, lab.MemoryGiB, lab.Nics.Single().Driver), Is.EqualTo((1, 1, "virtio_net")));
        Assert.That(lab.Storage.Select(s => s.Role), Is.EqualTo(new[] { StorageRole.Os, StorageRole.RookOsd }), "an OS disk and one OSD, so Rook runs on the lab cell");
    }

    [Test]
    public void The_default_pool_has_machines_of_every_profile_and_admits_every_cell_of_every_plan()
    {
        var pool = Set.Pool!.Value;
        Assert.That(pool.Machines.Select(m => m.Profile).Distinct(), Is.EquivalentTo(Set.Profiles.Select(p => p.Value.Name)));
        Assert.That(pool.Machines.Select(m => m.Bmc.Url.AbsoluteUri), Is.EqualTo(pool.Machines.Select((_, i) => $"http://127.0.100.{i + 1}:8000/")),
            "each BMC on its own address of the lab's BMC network, at /redfish/v1");
        Assert.That(pool.Machines.All(m => m.Bmc.Credentials.PasswordEnv == "TESTFARM_LAB_BMC_PASSWORD"), Is.True);
        foreach (var plan in Set.Plans)
        {
            var expansion = Set.Expand(plan.Value);
            Assert.That(expansion.Rejected.Select(r => r.Message), Is.Empty, plan.Value.Name);
            Assert.That(expansion.Cells, Is.Not.Empty, plan.Value.Name);
        }
    }

    [Test]
    public void The_nightly_plan_expands_to_four_small_cells_on_the_lab_deployer()
    {
        var nightly = Set.Plan("nightly")!;
        Assert.That(Set.Expand(nightly).Cells.Select(c => c.Id), Is.EqualTo(new[]
        {
            "nightly/altra-q80-cx6/1cp-2w", "nightly/epyc-9354-e810/1cp-2w", "nightly/lab-qemu-amd64/1cp-2w", "nightly/lab-qemu-arm64/1cp-2w",
        }));
        Assert.That(nightly.Trigger.Kind, Is.EqualTo(TriggerKind.Nightly));
        Assert.That(nightly.Priority, Is.EqualTo(PriorityClass.Nightly));
        Assert.That(nightly.Cluster.Deployer, Is.EqualTo("lab"));
        Assert.That(nightly.Cluster.AddOns.Select(a => $"{a.Name} {a.Version}"), Is.EqualTo(new[] { "metallb 0.15.3", "rook-ceph 1.17.9" }));
        Assert.That(nightly.Suites, Is.EqualTo(new[] { "conformance-quick", "api-smoke", "chaos-cookiemonster", "chaos-power" }));
        Assert.That(nightly.Timeouts["deploy"], Is.EqualTo(TimeSpan.FromMinutes(30)));
    }

    [Test]
    public void The_release_plan_applies_its_exclude_and_include()
    {
        var ids = Set.Expand(Set.Plan("release-qualification")!).Cells.Select(c => c.Id).ToList();
        Assert.That(ids, Does.Not.Contain("release-qualification/epyc-7443p-bnxt/compact-3"));
        Assert.That(ids, Does.Contain("release-qualification/altra-max-m128-e810/compact-3"));
        Assert.That(ids, Does.Contain("release-qualification/epyc-7443p-bnxt/ha-3cp-2w"));
        Assert.That(ids, Has.Count.EqualTo(8));
    }
}
