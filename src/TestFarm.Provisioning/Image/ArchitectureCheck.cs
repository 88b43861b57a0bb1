using System.Buffers.Binary;
using TestFarm.Core.Hardware;

namespace TestFarm.Provisioning.Image;

/// <summary>Refuses image inputs built for another architecture, naming the file and what it is.</summary>
internal static class ArchitectureCheck
{
    private const ushort ElfX8664 = 0x3E;
    private const ushort ElfAarch64 = 0xB7;

    /// <summary>An ELF executable (busybox): the e_machine field must match.</summary>
    public static void Elf(string path, CpuArchitecture arch)
    {
        var head = Head(path, 20);
        if (head.Length < 20 || head[0] != 0x7F || head[1] != (byte)'E' || head[2] != (byte)'L' || head[3] != (byte)'F')
            throw new InvalidDataException($"{path}: not an ELF executable (expected a static {Name(arch)} busybox)");
        var machine = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(18));
        var found = machine switch { ElfX8664 => "amd64", ElfAarch64 => "arm64", _ => $"ELF machine 0x{machine:x}" };
        if (found != Name(arch)) throw new InvalidDataException($"{path}: is {found}, the image is {Name(arch)}");
    }

    /// <summary>
    /// A kernel: an arm64 <c>Image</c> carries "ARM\x64" at offset 56; an x86 bzImage carries "HdrS" at 0x202.
    /// Files that are neither (test stand-ins) pass: only a kernel of the other architecture is refused.
    /// </summary>
    public static void Kernel(string path, CpuArchitecture arch)
    {
        var head = Head(path, 0x206);
        var isArm64 = head.Length >= 60 && head.AsSpan(56, 3).SequenceEqual("ARM"u8) && head[59] == 0x64;
        var isX86 = head.Length >= 0x206 && head.AsSpan(0x202, 4).SequenceEqual("HdrS"u8);
        if (arch == CpuArchitecture.Amd64 && isArm64) throw new InvalidDataException($"{path}: is an arm64 kernel Image, the image is amd64");
        if (arch == CpuArchitecture.Arm64 && isX86) throw new InvalidDataException($"{path}: is an x86 bzImage, the image is arm64");
    }

    private static string Name(CpuArchitecture arch) => arch == CpuArchitecture.Arm64 ? "arm64" : "amd64";

    private static byte[] Head(string path, int count)
    {
        using var file = File.OpenRead(path);
        var buffer = new byte[count];
        var read = file.ReadAtLeast(buffer, count, throwOnEndOfStream: false);
        return buffer[..read];
    }
}
