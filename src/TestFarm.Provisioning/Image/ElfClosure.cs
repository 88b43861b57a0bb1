using System.Buffers.Binary;
using System.Text;
using TestFarm.Core.Hardware;

namespace TestFarm.Provisioning.Image;

/// <summary>
/// A dynamically linked program with everything it loads: its interpreter (<c>PT_INTERP</c>) and the shared
/// libraries its <c>DT_NEEDED</c> entries name, transitively, read from the ELF headers (no <c>ldd</c>, so a
/// program of the other architecture is handled the same way). Files are looked up inside a root folder (<c>/</c>
/// for the host, or a folder Debian packages were unpacked into); symbolic links are followed inside that root.
/// </summary>
internal static class ElfClosure
{
    private const uint PtLoad = 1, PtDynamic = 2, PtInterp = 3;
    private const long DtNeeded = 1, DtStrtab = 5;

    /// <summary>
    /// The files to put into an initramfs for <paramref name="program"/> (a path inside <paramref name="root"/>), keyed by
    /// their path inside the root without the leading slash: the program itself, its interpreter and every library.
    /// </summary>
    public static SortedDictionary<string, byte[]> Collect(string root, string program, CpuArchitecture arch)
    {
        var triplet = arch == CpuArchitecture.Arm64 ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
        string[] searchDirs = [$"lib/{triplet}", $"usr/lib/{triplet}", "lib", "usr/lib", "lib64"];
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<string>([program.TrimStart('/')]);
        while (pending.Count > 0)
        {
            var inRoot = pending.Dequeue();
            if (!Exists(root, inRoot)) throw new FileNotFoundException($"{Path.Combine(root, inRoot)} not found", inRoot);
            var data = File.ReadAllBytes(Resolve(root, inRoot));
            ArchitectureCheck.Elf(Resolve(root, inRoot), arch);
            files[inRoot] = data;
            var (interpreter, needed) = Read(data, Path.Combine(root, inRoot));
            if (interpreter is not null && seen.Add(interpreter)) pending.Enqueue(interpreter.TrimStart('/'));
            foreach (var name in needed)
            {
                if (!seen.Add(name)) continue;
                var dir = searchDirs.FirstOrDefault(d => Exists(root, $"{d}/{name}"))
                          ?? throw new FileNotFoundException(
                              $"{Path.Combine(root, inRoot)} needs {name}, found in none of {string.Join(", ", searchDirs.Select(d => Path.Combine(root, d)))}", name);
                pending.Enqueue($"{dir}/{name}");
            }
        }
        // The interpreter reached both by its path and by name (libc names ld-linux) is kept under both: one more file, no links.
        return files;
    }

    private static bool Exists(string root, string inRoot)
    {
        try { return File.Exists(Resolve(root, inRoot)); }
        catch (IOException) { return false; }
    }

    /// <summary>The host path of <paramref name="inRoot"/>, following symbolic links (absolute ones relative to the root).</summary>
    private static string Resolve(string root, string inRoot)
    {
        var path = inRoot.TrimStart('/');
        for (var hops = 0; hops < 16; hops++)
        {
            var host = Path.Combine(root, path);
            var info = new FileInfo(host);
            if (info.LinkTarget is not { } target) return host;
            path = target.StartsWith('/') ? target.TrimStart('/')
                : Path.GetRelativePath(root, Path.GetFullPath(Path.Combine(Path.GetDirectoryName(host)!, target)));
        }
        throw new IOException($"{Path.Combine(root, inRoot)}: too many symbolic links");
    }

    /// <summary>The interpreter and the needed library names of a 64-bit little-endian ELF file.</summary>
    internal static (string? Interpreter, IReadOnlyList<string> Needed) Read(byte[] elf, string name)
    {
        if (elf.Length < 64 || elf[0] != 0x7F || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException($"{name}: not a 64-bit little-endian ELF file");
        var phoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x20));
        var phentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x36));
        var phnum = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x38));
        if (phnum == 0) return (null, []); // nothing to load, so nothing it needs
        if (phoff <= 0 || phentsize < 56 || phoff + (long)phentsize * phnum > elf.Length)
            throw new InvalidDataException($"{name}: program headers outside the file");
        string? interpreter = null;
        (long Offset, long Size)? dynamic = null;
        var loads = new List<(long Vaddr, long Offset, long Size)>();
        for (var i = 0; i < phnum; i++)
        {
            var h = elf.AsSpan((int)(phoff + (long)i * phentsize), phentsize);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(h);
            var offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(h[8..]);
            var vaddr = (long)BinaryPrimitives.ReadUInt64LittleEndian(h[16..]);
            var size = (long)BinaryPrimitives.ReadUInt64LittleEndian(h[32..]);
            if (offset < 0 || size < 0 || offset + size > elf.Length) throw new InvalidDataException($"{name}: segment {i} outside the file");
            if (type == PtInterp) interpreter = CString(elf, offset, name);
            else if (type == PtDynamic) dynamic = (offset, size);
            else if (type == PtLoad) loads.Add((vaddr, offset, size));
        }
        if (dynamic is not { } dyn) return (interpreter, []);
        long? strtab = null;
        var neededOffsets = new List<long>();
        for (var at = dyn.Offset; at + 16 <= dyn.Offset + dyn.Size; at += 16)
        {
            var tag = (long)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan((int)at));
            var value = (long)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan((int)at + 8));
            if (tag == 0) break;
            if (tag == DtNeeded) neededOffsets.Add(value);
            else if (tag == DtStrtab) strtab = value;
        }
        if (neededOffsets.Count == 0) return (interpreter, []);
        if (strtab is not { } table) throw new InvalidDataException($"{name}: DT_NEEDED without DT_STRTAB");
        var segment = loads.FirstOrDefault(l => table >= l.Vaddr && table < l.Vaddr + l.Size);
        if (segment.Size == 0) throw new InvalidDataException($"{name}: DT_STRTAB 0x{table:x} in no loaded segment");
        var fileTable = table - segment.Vaddr + segment.Offset;
        return (interpreter, [.. neededOffsets.Select(o => CString(elf, fileTable + o, name))]);
    }

    private static string CString(byte[] elf, long offset, string name)
    {
        if (offset < 0 || offset >= elf.Length) throw new InvalidDataException($"{name}: string at 0x{offset:x} outside the file");
        var end = Array.IndexOf(elf, (byte)0, (int)offset);
        if (end < 0 || end - offset > 4096) throw new InvalidDataException($"{name}: unterminated string at 0x{offset:x}");
        return Encoding.ASCII.GetString(elf, (int)offset, end - (int)offset);
    }
}
