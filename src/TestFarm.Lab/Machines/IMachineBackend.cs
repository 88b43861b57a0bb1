namespace TestFarm.Lab.Machines;

/// <summary>
/// The "hardware" behind one virtual BMC: power, what it boots from, a console. Simulated machines
/// run a state machine on a <see cref="TimeProvider"/>; QEMU machines run a real process.
/// </summary>
public interface IMachineBackend : IAsyncDisposable
{
    MachinePowerState PowerState { get; }

    /// <summary>How far the machine got since it was last powered on.</summary>
    MachinePhase Phase { get; }

    /// <summary>The device the machine booted (or is booting) from since its last power on.</summary>
    BootDevice CurrentBoot { get; }

    /// <summary>Path of the captured console output, or null when the backend keeps none.</summary>
    string? ConsoleLogPath { get; }

    /// <summary>Powers on (a no-op when already on) and boots from <paramref name="boot"/>.</summary>
    Task PowerOnAsync(BootRequest boot, CancellationToken cancellationToken = default);

    /// <summary>Cuts power (<paramref name="graceful"/> false) or asks the OS to shut down.</summary>
    Task PowerOffAsync(bool graceful, CancellationToken cancellationToken = default);

    /// <summary>Power off then on again, booting from <paramref name="boot"/>.</summary>
    Task RestartAsync(BootRequest boot, CancellationToken cancellationToken = default);

    /// <summary>Sets the link of a NIC (0-based index) up or down.</summary>
    Task SetLinkAsync(int nicIndex, bool up, CancellationToken cancellationToken = default);
}

public enum MachinePowerState { Off, PoweringOn, On, PoweringOff }

/// <summary>Off; firmware self test; loading the OS (or network boot); OS running.</summary>
public enum MachinePhase { Off, Post, Booting, Running }

public enum BootDevice { None, Pxe, UefiHttp, Cd, Hdd, BiosSetup }

/// <summary>What to boot on the next power on: the device and, for <see cref="BootDevice.Cd"/>, the inserted image.</summary>
public sealed record BootRequest(BootDevice Device, Uri? MediaImage = null)
{
    public static BootRequest Disk { get; } = new(BootDevice.Hdd);
}
