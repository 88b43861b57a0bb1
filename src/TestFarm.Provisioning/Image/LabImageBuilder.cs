using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TestFarm.Core.Hardware;
using TestFarm.Core.Provisioning;

namespace TestFarm.Provisioning.Image;

/// <summary>Inputs of a lab image build.</summary>
public sealed record LabImageOptions
{
    /// <summary>Folder with <c>vmlinuz</c> and <c>modules/&lt;version&gt;/</c> (default <c>.tools/kernel</c>).</summary>
    public required string KernelDir { get; init; }
    /// <summary>Where <c>vmlinuz</c>, <c>initrd.img</c> and <c>image.json</c> land.</summary>
    public required string OutDir { get; init; }
    /// <summary>Architecture of the kernel and busybox; both are checked against it.</summary>
    public CpuArchitecture Arch { get; init; } = CpuArchitecture.Amd64;
    /// <summary>Image name; default <c>lab</c> (amd64) or <c>lab-arm64</c>.</summary>
    public string? Name { get; init; }
    /// <summary>The build id the agent reports; default derived from the inputs' digests.</summary>
    public string? BuildId { get; init; }
    public string Busybox { get; init; } = "/bin/busybox";
    /// <summary>
    /// The folder Debian's <c>kexec-tools</c> (and the libraries its <c>kexec</c> loads) is found under: <c>/</c> for the
    /// host's own (amd64), or a folder the arm64 packages were unpacked into. <c>kexec</c> is <c>sbin/kexec</c> inside it.
    /// </summary>
    public string KexecRoot { get; init; } = "/";
    internal const string KexecPath = "sbin/kexec";

    /// <summary>Kernel command line; default the architecture's serial console (ttyS0 or ttyAMA0) and <c>panic=-1</c>.</summary>
    public string? Cmdline { get; init; }

    /// <summary>
    /// The inputs <c>scripts/install-deps.sh</c> puts under <paramref name="toolsDir"/> (<c>.tools</c>):
    /// amd64 uses <c>kernel/</c> and the host's <c>/bin/busybox</c>; arm64 uses <c>kernel-arm64/</c> and <c>arm64/busybox</c>.
    /// </summary>
    public static LabImageOptions Defaults(CpuArchitecture arch, string outDir, string toolsDir = ".tools") => arch == CpuArchitecture.Arm64
        ? new()
        {
            Arch = arch, OutDir = outDir, KernelDir = Path.Combine(toolsDir, "kernel-arm64"), Busybox = Path.Combine(toolsDir, "arm64", "busybox"),
            KexecRoot = Path.Combine(toolsDir, "arm64", "kexec"),
        }
        : new() { Arch = arch, OutDir = outDir, KernelDir = Path.Combine(toolsDir, "kernel") };

    internal string EffectiveName => Name ?? (Arch == CpuArchitecture.Arm64 ? "lab-arm64" : "lab");

    internal string EffectiveCmdline => Cmdline ?? (Arch == CpuArchitecture.Arm64 ? "console=ttyAMA0 panic=-1" : "console=ttyS0 panic=-1");
}

/// <summary>
/// Builds the lab image: the Debian cloud kernel plus a busybox-static initramfs with the virtio
/// modules, Debian's <c>kexec</c> (with its loader and libraries) and the boot agent (<c>images/lab/</c>, embedded). Reproducible: same inputs, same digests.
/// </summary>
public static class LabImageBuilder
{
    public const string ManifestName = "image.json";

    public static async Task<BootImage> BuildAsync(LabImageOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var kernel = Path.Combine(options.KernelDir, "vmlinuz");
        if (!File.Exists(kernel)) throw new FileNotFoundException($"kernel not found at {kernel} (run scripts/install-deps.sh)", kernel);
        if (!File.Exists(options.Busybox)) throw new FileNotFoundException($"busybox not found at {options.Busybox} (apt-get install busybox-static, or scripts/install-deps.sh for arm64)", options.Busybox);
        ArchitectureCheck.Kernel(kernel, options.Arch);
        ArchitectureCheck.Elf(options.Busybox, options.Arch);
        if (!File.Exists(Path.Combine(options.KexecRoot, LabImageOptions.KexecPath)))
            throw new FileNotFoundException($"kexec not found at {Path.Combine(options.KexecRoot, LabImageOptions.KexecPath)} " +
                "(apt-get install kexec-tools, or scripts/install-deps.sh for arm64): the agent kexecs the next build on fast track",
                Path.Combine(options.KexecRoot, LabImageOptions.KexecPath));
        var moduleNames = Resource("modules").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var modules = moduleNames.Select(m => (m, FindModule(options.KernelDir, m))).ToList();

        var files = new SortedDictionary<string, (byte[] Data, int Perm)>(StringComparer.Ordinal)
        {
            ["init"] = (Encoding.UTF8.GetBytes(Resource("init")), 0x1ED),
            ["bin/busybox"] = (await File.ReadAllBytesAsync(options.Busybox, cancellationToken), 0x1ED),
            ["etc/udhcpc.script"] = (Encoding.UTF8.GetBytes(Resource("udhcpc.script")), 0x1ED),
            ["etc/testfarm/modules"] = (Encoding.UTF8.GetBytes(string.Join('\n', moduleNames) + "\n"), 0x1A4),
        };
        // The agent's kexec (fast track) with its loader and libraries, at the paths it has in its root.
        foreach (var (path, data) in ElfClosure.Collect(options.KexecRoot, LabImageOptions.KexecPath, options.Arch))
            files[path] = (data, 0x1ED);
        foreach (var (name, path) in modules)
            files[$"lib/modules/testfarm/{name}.ko"] = (await File.ReadAllBytesAsync(path, cancellationToken), 0x1A4);

        var buildId = options.BuildId ?? DefaultBuildId(files, kernel, options.Arch);
        files["etc/testfarm/build-id"] = (Encoding.UTF8.GetBytes(buildId + "\n"), 0x1A4);

        Directory.CreateDirectory(options.OutDir);
        var initrdPath = Path.Combine(options.OutDir, "initrd.img");
        await File.WriteAllBytesAsync(initrdPath, Initramfs(files), cancellationToken);
        var kernelOut = Path.Combine(options.OutDir, "vmlinuz");
        if (!string.Equals(Path.GetFullPath(kernel), Path.GetFullPath(kernelOut), StringComparison.Ordinal))
            File.Copy(kernel, kernelOut, overwrite: true);

        var image = new BootImage
        {
            Name = options.EffectiveName,
            BuildId = buildId,
            Arch = options.Arch,
            Cmdline = options.EffectiveCmdline,
            Artifacts =
            [
                Artifact("vmlinuz", ArtifactKind.Kernel, kernelOut),
                Artifact("initrd.img", ArtifactKind.Initrd, initrdPath),
            ],
        };
        await File.WriteAllTextAsync(Path.Combine(options.OutDir, ManifestName),
            JsonSerializer.Serialize(image, ImageJsonContext.Default.BootImage), cancellationToken);
        return image;
    }

    /// <summary>Reads an image built earlier from its <c>image.json</c>.</summary>
    public static BootImage Load(string outDir)
    {
        var path = Path.Combine(outDir, ManifestName);
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), ImageJsonContext.Default.BootImage)
                   ?? throw new InvalidDataException($"{path}: empty image manifest");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}:{e.LineNumber + 1}:{e.BytePositionInLine + 1}: {e.Message}", e);
        }
    }

    private static byte[] Initramfs(SortedDictionary<string, (byte[] Data, int Perm)> files)
    {
        using var cpio = new MemoryStream();
        var writer = new CpioNewcWriter(cpio);
        var dirs = new SortedSet<string>(StringComparer.Ordinal) { "bin", "dev", "etc", "proc", "sys", "tmp", "lib", "root" };
        foreach (var f in files.Keys)
            for (var d = Path.GetDirectoryName(f)?.Replace('\\', '/'); !string.IsNullOrEmpty(d); d = Path.GetDirectoryName(d)?.Replace('\\', '/'))
                dirs.Add(d);
        foreach (var d in dirs) writer.AddDirectory(d);
        writer.AddCharDevice("dev/console", 5, 1);
        writer.AddCharDevice("dev/null", 1, 3, 0x1B6);
        foreach (var (path, (data, perm)) in files) writer.AddFile(path, data, perm);
        writer.AddSymlink("bin/sh", "busybox");
        writer.Finish();

        using var gz = new MemoryStream();
        // GZipStream writes no file name and a zero mtime: like gzip -n.
        using (var zip = new GZipStream(gz, CompressionLevel.SmallestSize, leaveOpen: true))
            zip.Write(cpio.GetBuffer(), 0, (int)cpio.Length);
        return gz.ToArray();
    }

    private static string DefaultBuildId(SortedDictionary<string, (byte[] Data, int Perm)> files, string kernel, CpuArchitecture arch)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (arch != CpuArchitecture.Amd64) hash.AppendData(Encoding.UTF8.GetBytes("arch:" + arch)); // amd64 ids unchanged
        using (var k = File.OpenRead(kernel)) hash.AppendData(SHA256.HashData(k));
        foreach (var (path, (data, _)) in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(path));
            hash.AppendData(SHA256.HashData(data));
        }
        return (arch == CpuArchitecture.Arm64 ? "lab-arm64-" : "lab-") + Convert.ToHexStringLower(hash.GetHashAndReset())[..12];
    }

    private static string FindModule(string kernelDir, string name)
    {
        var root = Path.Combine(kernelDir, "modules");
        var found = Directory.Exists(root)
            ? Directory.EnumerateFiles(root, name + ".ko", SearchOption.AllDirectories).Order(StringComparer.Ordinal).FirstOrDefault()
            : null;
        return found ?? throw new FileNotFoundException($"kernel module {name}.ko not found under {root}");
    }

    private static ImageArtifact Artifact(string name, ArtifactKind kind, string path) => new()
    {
        Name = name,
        Kind = kind,
        Length = new FileInfo(path).Length,
        Sha256 = Boot.BootArtifacts.Sha256Of(path),
    };

    private static string Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("lab/" + name)
                           ?? throw new InvalidOperationException($"embedded resource lab/{name} missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
