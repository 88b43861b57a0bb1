using TestFarm.Lab.Machines;

namespace TestFarm.Provisioning.Tests;

internal static class QemuConsole
{
    /// <summary>The machine's serial console so far (the log is still being written: shared read).</summary>
    public static string Read(QemuMachine machine)
    {
        if (!File.Exists(machine.ConsoleLogPath)) return "(no console log)";
        using var stream = new FileStream(machine.ConsoleLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
