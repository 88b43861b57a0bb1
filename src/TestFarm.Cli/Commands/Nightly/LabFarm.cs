using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;
using TestFarm.Kubernetes.Addons.Catalogue;
using TestFarm.Core.Plans;
using TestFarm.Lab.Backend;
using TestFarm.Redfish.Factory;
using TestFarm.Server.Runs;

namespace TestFarm.Cli.Commands.Nightly;

/// <summary>What the lab's farm is asked for, by <c>lab nightly</c> or <c>serve --lab</c>.</summary>
public sealed record LabFarmOptions
{
    /// <summary>The checkout holding .tools/ (the lab kernel) and the add-on cache.</summary>
    public required string Root { get; init; }
    /// <summary>Where the image, the QEMU consoles and the cells' artifacts go.</summary>
    public required string OutDirectory { get; init; }
    public string BuildId { get; init; } = "lab-nightly";
    /// <summary>Spare machines per profile on top of what the plans need.</summary>
    public int SparesPerProfile { get; init; } = 1;
    /// <summary>amd64 QEMU machines (lab-qemu-amd64); null: 1 when QEMU is installed and a plan has such cells.</summary>
    public int? QemuMachines { get; init; }
    /// <summary>arm64 QEMU machines (lab-qemu-arm64); null: 1 when the arm64 boot chain is installed and a plan has such cells.</summary>
    public int? QemuArm64Machines { get; init; }
    /// <summary>Simulated machines in all; null: what the plans need plus spares.</summary>
    public int? Machines { get; init; }
    /// <summary>Wraps the Redfish client factory every phase uses (e.g. to count BMC errors).</summary>
    public Func<IBmcClientFactory, IBmcClientFactory>? WrapBmcs { get; init; }
    /// <summary>Overrides of the adapters' options (sections Redfish, Provisioning, BringUp, ...), e.g. from the environment.</summary>
    public IConfiguration? Configuration { get; init; }
}

/// <summary>
/// The built-in lab as a farm backend (<see cref="LabMachinesExtensions.AddLabMachines"/>), with the machines
/// <see cref="LabMachineSet.Decide"/> chooses for <paramref name="plans"/>; used by <c>lab nightly</c> and <c>serve --lab</c>.
/// </summary>
public static class LabFarm
{
    public static async Task<FarmBackendHost> StartAsync(LabFarmOptions options, IReadOnlyList<Plan> plans, IReadOnlyDictionary<string, HardwareProfile> profiles,
        TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            var machines = LabMachineSet.Decide(plans, profiles, new LabMachineRequest
            {
                Root = options.Root, SparesPerProfile = options.SparesPerProfile, QemuMachines = options.QemuMachines,
                QemuArm64Machines = options.QemuArm64Machines, Machines = options.Machines,
            });
            var services = new ServiceCollection();
            if (options.WrapBmcs is { } wrap) services.AddSingleton<IBmcClientFactory>(sp => wrap(sp.GetRequiredService<RedfishClientFactory>()));
            services.AddLabMachines(new LabMachinesOptions
            {
                Root = options.Root, OutDirectory = options.OutDirectory, BuildId = options.BuildId, Machines = machines,
                Addons = AddonSources.FromEnvironment(options.Root),
            });
            return await FarmBackendHost.StartAsync(services, time, loggers, options.Configuration, cancellationToken);
        }
        catch (LabSetupException e)
        {
            throw new FarmSetupException(e.Message);
        }
    }

    /// <summary>Why arm64 QEMU machines could not network-boot here (null when they can).</summary>
    public static string? Arm64QemuMissing(string root) => LabMachineSet.Arm64QemuMissing(root);
}
