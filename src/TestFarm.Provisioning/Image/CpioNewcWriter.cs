using System.Text;

namespace TestFarm.Provisioning.Image;

/// <summary>
/// Writes a "newc" (SVR4, no CRC) cpio archive, as the kernel unpacks an initramfs. Entries are
/// written as given; callers sort them. Owner root, mtime fixed, inodes sequential: reproducible.
/// </summary>
public sealed class CpioNewcWriter(Stream output, long mtime = 0)
{
    private int _inode = 1;

    public const int Directory = 0x4000;
    public const int RegularFile = 0x8000;
    public const int Symlink = 0xA000;
    public const int CharDevice = 0x2000;

    public void AddDirectory(string path, int permissions = 0x1ED /* 0755 */) =>
        Write(path, Directory | permissions, [], nlink: 2);

    public void AddFile(string path, byte[] content, int permissions = 0x1A4 /* 0644 */) =>
        Write(path, RegularFile | permissions, content);

    public void AddSymlink(string path, string target) =>
        Write(path, Symlink | 0x1FF, Encoding.UTF8.GetBytes(target));

    public void AddCharDevice(string path, int major, int minor, int permissions = 0x180 /* 0600 */) =>
        Write(path, CharDevice | permissions, [], rdevMajor: major, rdevMinor: minor);

    /// <summary>Writes the trailer; the archive is complete afterwards.</summary>
    public void Finish()
    {
        Write("TRAILER!!!", 0, [], nlink: 1, countInode: false);
    }

    private void Write(string path, int mode, byte[] data, int nlink = 1, int rdevMajor = 0, int rdevMinor = 0, bool countInode = true)
    {
        var name = Encoding.UTF8.GetBytes(path.TrimStart('/'));
        var header = new StringBuilder("070701");
        foreach (var field in new long[]
                 {
                     countInode ? _inode++ : 0, mode, 0, 0, nlink, mtime, data.Length, 0, 0, rdevMajor, rdevMinor, name.Length + 1, 0,
                 })
        {
            header.Append(field.ToString("X8", System.Globalization.CultureInfo.InvariantCulture));
        }
        var head = Encoding.ASCII.GetBytes(header.ToString());
        output.Write(head);
        output.Write(name);
        output.WriteByte(0);
        Pad(head.Length + name.Length + 1);
        output.Write(data);
        Pad(data.Length);
    }

    private void Pad(long length)
    {
        var pad = (int)((4 - (length % 4)) % 4);
        for (var i = 0; i < pad; i++) output.WriteByte(0);
    }
}
