using TestFarm.Cli.Commands.Serve;
using TestFarm.Configuration;
using TestFarm.Core.Configuration;
using TestFarm.Testing;

namespace TestFarm.Cli.Tests.Serve;

/// <summary>serve's start check of the pool's SSH key: there, a file, the owner's only; named at the pool file's line and column.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class NodeAccessCheckTests
{
    private const string Pool = """
        machines:
          - id: m-1
            profile: small
            bmc: {url: "http://127.0.0.1:8000/bmc/m-1", credentials: {user: admin, passwordEnv: TESTFARM_LAB_BMC_PASSWORD}}
            provisioningMac: "52:54:00:00:00:01"
        nodeAccess:
          ssh:
            keyFile: keys/farm_ed25519
        """;

    private static Loaded<Core.Pool.PoolInventory> Load()
    {
        var errors = new List<ConfigError>();
        var pool = PoolLoader.Load("pool.yaml", Pool, errors)!;
        Assert.That(errors, Is.Empty);
        return pool;
    }

    [Test]
    public void A_key_file_that_is_missing_or_readable_by_others_is_refused_at_its_place_and_a_private_one_is_taken_by_full_path()
    {
        using var root = new TempDirectory("tf-node-access");
        var problems = new List<string>();
        var key = Path.Combine(root.Path, "keys", "farm_ed25519");
        NodeAccessCheck.Resolve(Load(), root.Path, problems);
        Assert.That(problems, Is.EqualTo(new[] { $"pool.yaml:8:14: nodeAccess.ssh.keyFile: no such file {key}" }));

        Directory.CreateDirectory(Path.GetDirectoryName(key)!);
        File.WriteAllText(key, "not shown\n");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        problems.Clear();
        NodeAccessCheck.Resolve(Load(), root.Path, problems);
        Assert.That(problems, Is.EqualTo(new[]
        {
            $"pool.yaml:8:14: nodeAccess.ssh.keyFile: {key} may be read by others than its owner (mode 644); ssh refuses such a key: chmod 600 it",
        }));

        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        problems.Clear();
        var pool = NodeAccessCheck.Resolve(Load(), root.Path, problems);
        Assert.That(problems, Is.Empty);
        Assert.That(pool.Ssh!.KeyFile, Is.EqualTo(key));
    }
}
