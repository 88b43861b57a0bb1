namespace TestFarm.Lab.Machines;

/// <summary>How a QEMU-backed lab machine is started.</summary>
public sealed record QemuOptions
{
    public string Binary { get; init; } = "qemu-system-x86_64";
    public int MemoryMiB { get; init; } = 512;
    /// <summary>
    /// Use KVM when <c>/dev/kvm</c> can be opened; TCG otherwise. Off by default: on this farm's build
    /// machines /dev/kvm opens but a nested KVM guest stalls in iPXE, while TCG boots.
    /// </summary>
    public bool UseKvmIfAvailable { get; init; }
    /// <summary>Folder for the machine's console log, QMP socket and TFTP root.</summary>
    public required string WorkDirectory { get; init; }
    /// <summary>MAC of the virtio NIC (lower case, colon separated).</summary>
    public required string Mac { get; init; }
    /// <summary>
    /// Host-side boot URL that the TFTP-served <c>chain.ipxe</c> chains to; a 127.0.0.1/localhost host is
    /// rewritten to 10.0.2.2 (the host as seen from QEMU's user network). <c>?mac=${net0/mac}</c> is appended.
    /// </summary>
    public Uri? BootUrl { get; init; }
    /// <summary>Sizes of the virtio disks (sparse raw files in the work directory, created on first start).</summary>
    public IReadOnlyList<long> DiskBytes { get; init; } = [];
    public TimeSpan QmpTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan MediaDownloadTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>True when the QEMU binary is found on PATH (or is an existing path).</summary>
    public static bool IsAvailable(string binary = "qemu-system-x86_64") => FindOnPath(binary) is not null;

    public static string? FindOnPath(string binary)
    {
        if (Path.IsPathRooted(binary)) return File.Exists(binary) ? binary : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, binary);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>The URL as the guest sees it: loopback hosts become 10.0.2.2.</summary>
    public static string GuestUrl(Uri hostUrl)
    {
        var builder = new UriBuilder(hostUrl);
        if (hostUrl.IsLoopback) builder.Host = "10.0.2.2";
        return builder.Uri.AbsoluteUri;
    }

    /// <summary>The iPXE script served by TFTP: chains to the boot URL with the NIC's MAC.</summary>
    public static string ChainScript(Uri bootUrl)
    {
        var url = GuestUrl(bootUrl);
        var separator = url.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        return $"#!ipxe\necho TestFarm lab: chaining to {url}\nchain {url}{separator}mac=${{net0/mac}}\n";
    }
}
