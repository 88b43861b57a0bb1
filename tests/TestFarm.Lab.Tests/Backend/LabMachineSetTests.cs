using TestFarm.Configuration;
using TestFarm.Core.Configuration;
using TestFarm.Core.Hardware;
using TestFarm.Core.Plans;
using TestFarm.Lab.Backend;
using TestFarm.Testing;

namespace TestFarm.Lab.Tests.Backend;

/// <summary>The one function that decides the lab's machines, for lab nightly (one plan) and serve --lab (every plan).</summary>
public sealed class LabMachineSetTests
{
    private static readonly Dictionary<string, HardwareProfile> Profiles = new[] { "epyc-9354-e810", "lab-qemu-amd64" }
        .Select(name => HardwareProfileLoader.Load(name, File.ReadAllText(Fixtures.Repo("hardware-profiles", $"{name}.yaml")), new List<ConfigError>())!.Value)
        .ToDictionary(p => p.Name, StringComparer.Ordinal);

    private static Plan PlanOf(string name, params string[] profiles)
    {
        var errors = new List<ConfigError>();
        var plan = PlanLoader.Load($"{name}.yaml", LabPlans.Smoke("{ kind: manual }", profiles).Replace("name: lab-smoke", $"name: {name}", StringComparison.Ordinal), errors);
        Assert.That(errors, Is.Empty);
        return plan!.Value;
    }

    [Test]
    public void Each_profile_gets_what_its_cells_need_plus_spares_less_the_qemu_machines_standing_in()
    {
        var choice = LabMachineSet.Decide([PlanOf("smoke", "epyc-9354-e810", "lab-qemu-amd64")], Profiles,
            new LabMachineRequest { Root = Fixtures.RepositoryRoot, SparesPerProfile = 1, QemuMachines = 1, QemuArm64Machines = 0 });

        Assert.That(choice.Simulated.Select(p => p.Name), Is.EqualTo(new[] { "epyc-9354-e810", "epyc-9354-e810", "epyc-9354-e810", "lab-qemu-amd64", "lab-qemu-amd64" }));
        Assert.That((choice.QemuMachines, choice.QemuProfile?.Name, choice.QemuArm64Machines), Is.EqualTo((1, "lab-qemu-amd64", 0)));
    }

    [Test]
    public void Several_plans_get_what_the_most_demanding_needs_not_the_sum()
    {
        var choice = LabMachineSet.Decide([PlanOf("a", "epyc-9354-e810"), PlanOf("b", "epyc-9354-e810")], Profiles,
            new LabMachineRequest { Root = Fixtures.RepositoryRoot, SparesPerProfile = 0, QemuMachines = 0, QemuArm64Machines = 0 });

        Assert.That(choice.Simulated.Count, Is.EqualTo(2));
    }

    [Test]
    public void Too_few_machines_or_a_missing_qemu_profile_are_refused_naming_what_is_needed()
    {
        var tooFew = Assert.Throws<LabSetupException>(() => LabMachineSet.Decide([PlanOf("smoke", "epyc-9354-e810")], Profiles,
            new LabMachineRequest { Root = Fixtures.RepositoryRoot, Machines = 2, QemuMachines = 0, QemuArm64Machines = 0 }));
        Assert.That(tooFew!.Message, Is.EqualTo("--machines 2: plan smoke needs at least 3 simulated machines (3× epyc-9354-e810, spares included)"));

        var noProfile = Assert.Throws<LabSetupException>(() => LabMachineSet.Decide([PlanOf("smoke", "epyc-9354-e810")],
            Profiles.Where(p => p.Key != "lab-qemu-amd64").ToDictionary(), new LabMachineRequest { Root = Fixtures.RepositoryRoot, QemuMachines = 1, QemuArm64Machines = 0 }));
        Assert.That(noProfile!.Message, Does.Contain("need the hardware profile lab-qemu-amd64").And.Contain("--qemu 0"));
    }
}
