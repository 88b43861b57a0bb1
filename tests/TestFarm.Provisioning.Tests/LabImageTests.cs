using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using TestFarm.Core.Provisioning;
using TestFarm.Provisioning.Boot;
using TestFarm.Provisioning.Image;
using TestFarm.Testing;

namespace TestFarm.Provisioning.Tests;

public sealed class LabImageTests
{
    private static readonly string[] Modules =
        ["virtio_ring", "virtio", "virtio_pci_legacy_dev", "virtio_pci_modern_dev", "virtio_pci", "failover", "net_failover", "virtio_net", "virtio_blk"];

    /// <summary>A stand-in kernel folder shaped like .tools/kernel (small files, same layout).</summary>
    private static string FakeKernel(TempDirectory dir, string marker = "k")
    {
        var root = dir.File("kernel");
        var mods = Path.Combine(root, "modules", "6.1.0-test", "kernel", "drivers");
        Directory.CreateDirectory(mods);
        File.WriteAllText(Path.Combine(root, "vmlinuz"), "kernel " + marker);
        foreach (var m in Modules) File.WriteAllText(Path.Combine(mods, m + ".ko"), "module " + m);
        return root;
    }

    [Test]
    public async Task Same_inputs_give_the_same_digests()
    {
        using var dir = new TempDirectory("tf-img");
        var kernel = FakeKernel(dir);

        var a = await LabImageBuilder.BuildAsync(new LabImageOptions { KernelDir = kernel, OutDir = dir.File("a") });
        var b = await LabImageBuilder.BuildAsync(new LabImageOptions { KernelDir = kernel, OutDir = dir.File("b") });

        Assert.That(a.Digest, Is.EqualTo(b.Digest));
        Assert.That(a.BuildId, Is.EqualTo(b.BuildId).And.Match("^lab-[0-9a-f]{12}$"));
        Assert.That(BootArtifacts.Sha256Of(dir.File("a/initrd.img")), Is.EqualTo(BootArtifacts.Sha256Of(dir.File("b/initrd.img"))));
        Assert.That(LabImageBuilder.Load(dir.File("a")), Is.EqualTo(a).Using<BootImage>((x, y) => x.Digest == y.Digest && x.BuildId == y.BuildId));

        File.WriteAllText(Path.Combine(kernel, "vmlinuz"), "kernel changed");
        var c = await LabImageBuilder.BuildAsync(new LabImageOptions { KernelDir = kernel, OutDir = dir.File("c") });
        Assert.That(c.Digest, Is.Not.EqualTo(a.Digest));
        Assert.That(c.BuildId, Is.Not.EqualTo(a.BuildId));
    }

    [Test]
    public async Task The_initramfs_is_a_gzip_newc_cpio_that_cpio_lists()
    {
        using var dir = new TempDirectory("tf-img");
        var image = await LabImageBuilder.BuildAsync(new LabImageOptions { KernelDir = FakeKernel(dir), OutDir = dir.File("out"), BuildId = "b-7" });
        var initrd = dir.File("out/initrd.img");
        var raw = await File.ReadAllBytesAsync(initrd);
        Assert.That(raw[..2], Is.EqualTo(new byte[] { 0x1f, 0x8b }), "gzip");
        Assert.That(BitConverter.ToInt32(raw, 4), Is.Zero, "gzip mtime 0 (like gzip -n)");
        Assert.That(image.Artifact(ArtifactKind.Initrd)!.Length, Is.EqualTo(raw.Length));

        await using (var gz = new GZipStream(File.OpenRead(initrd), CompressionMode.Decompress))
        await using (var cpioFile = File.Create(dir.File("initrd.cpio")))
            await gz.CopyToAsync(cpioFile);
        var names = (await Cpio(dir.File("initrd.cpio"), "-t")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var listing = await Cpio(dir.File("initrd.cpio"), "-tv");
        Assert.That(names, Is.SupersetOf(new[] { "init", "bin/busybox", "bin/sh", "dev/console", "etc/udhcpc.script", "etc/testfarm/build-id", "lib/modules/testfarm/virtio_net.ko" }));
        Assert.That(names, Is.SupersetOf(new[] { "sbin/kexec", "lib64/ld-linux-x86-64.so.2", "lib/x86_64-linux-gnu/libc.so.6" }),
            "the agent's kexec with its loader and the libraries its ELF headers name");
        Assert.That(listing, Does.Contain("-rwxr-xr-x").And.Contain("crw-------"));

        var cpioBytes = await File.ReadAllBytesAsync(dir.File("initrd.cpio"));
        Assert.That(Encoding.ASCII.GetString(cpioBytes), Does.Contain("b-7\n"), "build id baked in");
        Assert.That(Encoding.ASCII.GetString(cpioBytes), Does.Contain("virtio_ring\nvirtio\nvirtio_pci_legacy_dev\nvirtio_pci_modern_dev\nvirtio_pci\nfailover\nnet_failover\nvirtio_net\n"), "load order");
    }

    private static async Task<string> Cpio(string archive, string mode)
    {
        var psi = new ProcessStartInfo("cpio", [mode, "--quiet", "-F", archive]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var cpio = Process.Start(psi)!;
        var output = await cpio.StandardOutput.ReadToEndAsync();
        await cpio.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.That(cpio.ExitCode, Is.Zero, await cpio.StandardError.ReadToEndAsync());
        return output;
    }

    /// <summary>A stand-in static busybox: only an ELF header whose e_machine is <paramref name="machine"/>.</summary>
    private static string FakeElf(TempDirectory dir, ushort machine)
    {
        var header = new byte[64];
        header[0] = 0x7F; header[1] = (byte)'E'; header[2] = (byte)'L'; header[3] = (byte)'F';
        header[4] = 2; header[5] = 1;
        BitConverter.GetBytes(machine).CopyTo(header, 18);
        var path = dir.File($"busybox-{machine:x}");
        File.WriteAllBytes(path, header);
        return path;
    }

    [Test]
    public async Task An_arm64_image_is_reproducible_and_says_its_architecture()
    {
        using var dir = new TempDirectory("tf-img");
        var kernel = FakeKernel(dir);
        var busybox = FakeElf(dir, 0xB7);
        var kexecRoot = dir.File("arm64-root");
        Directory.CreateDirectory(Path.Combine(kexecRoot, "sbin"));
        File.Copy(FakeElf(dir, 0xB7), Path.Combine(kexecRoot, "sbin", "kexec"));
        LabImageOptions Arm(string o) => LabImageOptions.Defaults(TestFarm.Core.Hardware.CpuArchitecture.Arm64, dir.File(o)) with
        {
            KernelDir = kernel, Busybox = busybox, KexecRoot = kexecRoot,
        };

        var a = await LabImageBuilder.BuildAsync(Arm("a"));
        var b = await LabImageBuilder.BuildAsync(Arm("b"));
        var amd = await LabImageBuilder.BuildAsync(new LabImageOptions { KernelDir = kernel, OutDir = dir.File("amd") });

        Assert.That(a.Arch, Is.EqualTo(TestFarm.Core.Hardware.CpuArchitecture.Arm64));
        Assert.That(a.Name, Is.EqualTo("lab-arm64"));
        Assert.That(a.Cmdline, Does.Contain("console=ttyAMA0"));
        Assert.That(a.BuildId, Does.Match("^lab-arm64-[0-9a-f]{12}$"));
        Assert.That(a.Digest, Is.EqualTo(b.Digest), "same inputs, same digest");
        Assert.That(a.BuildId, Is.Not.EqualTo(amd.BuildId));
        Assert.That(LabImageBuilder.Load(dir.File("a")).Arch, Is.EqualTo(TestFarm.Core.Hardware.CpuArchitecture.Arm64), "the manifest keeps the architecture");
    }

    [Test]
    public void A_busybox_or_kernel_of_the_other_architecture_is_refused_by_path()
    {
        using var dir = new TempDirectory("tf-img");
        var kernel = FakeKernel(dir);
        var armBusybox = FakeElf(dir, 0xB7);
        var e = Assert.ThrowsAsync<InvalidDataException>(() => LabImageBuilder.BuildAsync(new LabImageOptions { KernelDir = kernel, OutDir = dir.File("o"), Busybox = armBusybox }));
        Assert.That(e!.Message, Does.Contain(armBusybox).And.Contain("is arm64, the image is amd64"));

        var armKernel = new byte[64];
        "ARM"u8.CopyTo(armKernel.AsSpan(56));
        armKernel[59] = 0x64;
        File.WriteAllBytes(Path.Combine(kernel, "vmlinuz"), armKernel);
        var k = Assert.ThrowsAsync<InvalidDataException>(() => LabImageBuilder.BuildAsync(new LabImageOptions { KernelDir = kernel, OutDir = dir.File("o") }));
        Assert.That(k!.Message, Does.Contain(Path.Combine(kernel, "vmlinuz")).And.Contain("arm64 kernel Image"));
    }

    [Test]
    public void A_missing_module_names_the_module_and_the_folder()
    {
        using var dir = new TempDirectory("tf-img");
        var kernel = FakeKernel(dir);
        File.Delete(Directory.EnumerateFiles(kernel, "virtio_net.ko", SearchOption.AllDirectories).Single());

        var e = Assert.ThrowsAsync<FileNotFoundException>(() => LabImageBuilder.BuildAsync(new LabImageOptions { KernelDir = kernel, OutDir = dir.File("o") }));
        Assert.That(e!.Message, Does.Contain("virtio_net.ko").And.Contain(Path.Combine(kernel, "modules")));
    }
}
