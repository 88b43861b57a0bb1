using TestFarm.Core.Hardware;
using TestFarm.Core.Machines;
using TestFarm.Lab.LabHost;
using TestFarm.Lab.Machines;

namespace TestFarm.Lab.Consoles;

/// <summary>The lab machines' consoles, by machine id: each virtual BMC's machine has one.</summary>
public sealed class LabConsoles(Func<VirtualLab> lab) : IMachineConsoles
{
    public ConsoleLookup Find(string machineId) =>
        lab().Find(machineId) is { Console: { } console } ? ConsoleLookup.Of(console)
        : ConsoleLookup.None($"machine {machineId} is not a lab machine with a console");

    /// <summary>The console of a lab machine's backend, made with it so it sees every line from the first power on.</summary>
    internal static IMachineConsole? For(string id, HardwareProfile profile, IMachineBackend backend) => backend switch
    {
        SimulatedMachine simulated => new SimulatedConsole(simulated, id, profile),
        QemuMachine qemu => new QemuConsole(qemu),
        _ => null,
    };
}
