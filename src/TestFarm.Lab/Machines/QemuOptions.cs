using System.Globalization;
using TestFarm.Core.Hardware;

namespace TestFarm.Lab.Machines;

/// <summary>How a QEMU-backed lab machine is started.</summary>
public sealed record QemuOptions
{
    /// <summary>
    /// amd64: q35, BIOS, the NIC's iPXE ROM chains to <see cref="BootUrl"/>. arm64: virt (cortex-a57),
    /// AAVMF UEFI, firmware PXE loads GRUB's network loader by TFTP, whose grub.cfg sources <see cref="BootUrl"/>.
    /// </summary>
    public CpuArchitecture Arch { get; init; } = CpuArchitecture.Amd64;
    /// <summary>QEMU binary; default <c>qemu-system-x86_64</c> or <c>qemu-system-aarch64</c> by <see cref="Arch"/>.</summary>
    public string? Binary { get; init; }
    public int MemoryMiB { get; init; } = 512;
    public int Cpus { get; init; } = 1;
    /// <summary>
    /// Use KVM when <c>/dev/kvm</c> can be opened (amd64 only); TCG otherwise. Off by default: on this farm's
    /// build machines /dev/kvm opens but a nested KVM guest stalls in iPXE, while TCG boots.
    /// </summary>
    public bool UseKvmIfAvailable { get; init; }
    /// <summary>Folder for the machine's console log, QMP socket, TFTP root, disk and UEFI variables.</summary>
    public required string WorkDirectory { get; init; }
    /// <summary>MAC of the virtio NIC (lower case, colon separated).</summary>
    public required string Mac { get; init; }
    /// <summary>
    /// Host-side boot URL. amd64: the TFTP-served <c>chain.ipxe</c> chains to it (a loopback host becomes
    /// 10.0.2.2) with <c>?mac=${net0/mac}</c>. arm64: the boot service's GRUB entry (<c>/boot/v1/grub</c>);
    /// GRUB 2.06 speaks HTTP on port 80 only, so the guest reaches it as 10.0.2.100:80, forwarded per
    /// connection by QEMU (<c>guestfwd</c>) through <see cref="Forwarder"/> to the URL's host and port.
    /// </summary>
    public Uri? BootUrl { get; init; }
    /// <summary>Sizes of the virtio disks (sparse raw files in the work directory, created on first start).</summary>
    public IReadOnlyList<long> DiskBytes { get; init; } = [];

    /// <summary>arm64: read-only UEFI code (Debian's qemu-efi-aarch64).</summary>
    public string UefiCode { get; init; } = DefaultUefiCode;
    /// <summary>arm64: UEFI variables template, copied once per machine into the work folder.</summary>
    public string UefiVarsTemplate { get; init; } = "/usr/share/AAVMF/AAVMF_VARS.fd";
    /// <summary>arm64: folder with <c>grubnetaa64.efi</c> and <c>http.mod</c> (from grub-efi-arm64-bin, see scripts/install-deps.sh).</summary>
    public string GrubDirectory { get; init; } = DefaultGrubDirectory;
    /// <summary>arm64: busybox (host's) whose <c>nc</c> carries each guest HTTP connection to the boot service.</summary>
    public string Forwarder { get; init; } = "/bin/busybox";
    public TimeSpan QmpTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan MediaDownloadTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>GRUB's arm64 network loader, in <see cref="GrubDirectory"/>.</summary>
    public const string GrubLoader = "grubnetaa64.efi";
    /// <summary>Debian's qemu-efi-aarch64 firmware.</summary>
    public const string DefaultUefiCode = "/usr/share/AAVMF/AAVMF_CODE.fd";
    /// <summary>Where scripts/install-deps.sh puts GRUB's arm64 network loader, relative to the checkout.</summary>
    public static readonly string DefaultGrubDirectory = Path.Combine(".tools", "arm64", "grub");

    /// <summary>The guest address GRUB's HTTP device uses for the boot service (forwarded to <see cref="BootUrl"/>).</summary>
    public const string GrubHttpHost = "10.0.2.100";

    public string EffectiveBinary => Binary ?? DefaultBinary(Arch);

    public static string DefaultBinary(CpuArchitecture arch) => arch == CpuArchitecture.Arm64 ? "qemu-system-aarch64" : "qemu-system-x86_64";

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

    /// <summary>
    /// arm64: the <c>grub/grub.cfg</c> served by TFTP: loads GRUB's http module and sources the boot URL's
    /// path (with <c>?mac=</c>) from <see cref="GrubHttpHost"/>; the boot script then fetches through <c>$tf</c>.
    /// </summary>
    public static string GrubChainConfig(Uri bootUrl) =>
        "insmod http\n" +
        $"set tf=(http,{GrubHttpHost})\n" +
        $"echo \"TestFarm lab: GRUB sources {bootUrl.AbsolutePath}?mac=$net_default_mac\"\n" +
        $"source ${{tf}}{bootUrl.AbsolutePath}?mac=${{net_default_mac}}\n" +
        "echo 'TestFarm lab: no boot script; halting'\nsleep 5\nhalt\n";

    /// <summary>arm64: the <c>guestfwd</c> rule carrying 10.0.2.100:80 to the boot URL's host and port.</summary>
    public string GuestForward(Uri bootUrl) =>
        $"guestfwd=tcp:{GrubHttpHost}:80-cmd:{Forwarder} nc {bootUrl.Host} {bootUrl.Port.ToString(CultureInfo.InvariantCulture)}";
}
