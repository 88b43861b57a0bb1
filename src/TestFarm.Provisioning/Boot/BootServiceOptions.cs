namespace TestFarm.Provisioning.Boot;

/// <summary>Where machines reach the boot service.</summary>
public sealed record BootServiceOptions
{
    /// <summary>
    /// Base URL as the machines see it (a QEMU user-mode guest sees the host as 10.0.2.2; a rack sees
    /// the farm's provisioning address). Goes into iPXE scripts and the agent's command line.
    /// </summary>
    public required Uri PublicBaseUrl { get; init; }
}
