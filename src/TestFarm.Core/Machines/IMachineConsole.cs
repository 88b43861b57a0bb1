namespace TestFarm.Core.Machines;

/// <summary>
/// One machine's serial console: its recent output (bounded), the output as it comes, and input typed into it. The lab's QEMU
/// machines give their real serial port, the simulated ones a line-oriented console of their own; a real machine's console
/// (Redfish SerialConsole, SSH, IPMI SOL) plugs in behind the same port.
/// </summary>
public interface IMachineConsole
{
    /// <summary>The newest output as text: at most <paramref name="maxChars"/> characters, from the end.</summary>
    string Recent(int maxChars);

    /// <summary>
    /// The newest output (at most <paramref name="recentChars"/> characters) and, from exactly there on, every further chunk
    /// until <paramref name="ct"/> ends the enumeration. A reader that falls far behind loses the oldest chunks, never blocks the machine.
    /// </summary>
    ConsoleFollow Follow(int recentChars, CancellationToken ct);

    /// <summary>Sends <paramref name="input"/> to the console. Throws <see cref="ConsoleUnavailableException"/> when it cannot take input now (e.g. powered off).</summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> input, CancellationToken ct);
}

/// <summary>The recent output of a console and the output that follows it.</summary>
public sealed record ConsoleFollow(string Recent, IAsyncEnumerable<string> Output);

/// <summary>Finds the console of a machine by its id.</summary>
public interface IMachineConsoles
{
    /// <summary>The machine's console, or why it has none (its backend offers no console adapter).</summary>
    ConsoleLookup Find(string machineId);
}

/// <summary>A machine's console, or (when <see cref="Console"/> is null) the reason it has none.</summary>
public sealed record ConsoleLookup(IMachineConsole? Console, string? Unsupported)
{
    public static ConsoleLookup Of(IMachineConsole console) => new(console, null);
    public static ConsoleLookup None(string why) => new(null, why);
}

/// <summary>The consoles when the farm's machines offer none (real machines until a SerialConsole, SSH or IPMI SOL adapter is configured).</summary>
public sealed class NoMachineConsoles : IMachineConsoles
{
    public ConsoleLookup Find(string machineId) => ConsoleLookup.None(
        $"machine {machineId} has no console adapter: the farm reaches its BMC for power only (a Redfish SerialConsole, SSH or IPMI SOL adapter is not configured)");
}

/// <summary>The console cannot take input now; the message says why (e.g. the machine is powered off).</summary>
public sealed class ConsoleUnavailableException(string message) : Exception(message);
