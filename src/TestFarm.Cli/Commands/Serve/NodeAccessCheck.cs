using TestFarm.Core.Configuration;
using TestFarm.Core.Pool;

namespace TestFarm.Cli.Commands.Serve;

/// <summary>
/// What <c>serve</c> checks of the pool file's <c>nodeAccess.ssh</c> before it starts (the loader checked its form): the key
/// file exists, is a file, and is readable by its owner only (ssh refuses others). A relative path is taken from the pool
/// file's folder. Each problem names the pool file's line and column; never the key's content.
/// </summary>
internal static class NodeAccessCheck
{
    private const UnixFileMode GroupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>The pool with its key file's full path (<paramref name="root"/>: the folder the pool file's name is relative to); <paramref name="problems"/> gets what is wrong.</summary>
    public static PoolInventory Resolve(Loaded<PoolInventory> pool, string root, ICollection<string> problems)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (pool.Value.Ssh is not { KeyFile: { } key } ssh) return pool.Value;
        var at = pool.At("nodeAccess.ssh.keyFile");
        var folder = Path.GetDirectoryName(Path.GetFullPath(pool.File, root)) ?? root;
        var full = Path.GetFullPath(key, folder);
        if (!File.Exists(full))
            problems.Add($"{at}: nodeAccess.ssh.keyFile: no such file {full}");
        else if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(full) & GroupOrOthers) != 0)
            problems.Add($"{at}: nodeAccess.ssh.keyFile: {full} may be read by others than its owner (mode {Convert.ToString((int)File.GetUnixFileMode(full), 8)}); ssh refuses such a key: chmod 600 it");
        return pool.Value with { Ssh = ssh with { KeyFile = full } };
    }
}
