using TestFarm.Core.Machines;
using TestFarm.Lab.Machines;

namespace TestFarm.Lab.Consoles;

/// <summary>A QEMU lab machine's real serial port: what the guest wrote to it, and input through QEMU's stdin.</summary>
public sealed class QemuConsole(QemuMachine machine) : IMachineConsole
{
    public string Recent(int maxChars) => machine.Output.Recent(maxChars);

    public ConsoleFollow Follow(int recentChars, CancellationToken ct) => machine.Output.Follow(recentChars, ct);

    public ValueTask WriteAsync(ReadOnlyMemory<byte> input, CancellationToken ct) => machine.WriteConsoleAsync(input, ct);
}
