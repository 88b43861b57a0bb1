using System.Net;
using TestFarm.Lab.Backend;
using TestFarm.Lab.Machines;
using TestFarm.Storage;
using TestFarm.Storage.Database;

namespace TestFarm.Cli.Commands.Serve;

/// <summary><c>serve</c>'s options for running plans on the pool's machines.</summary>
public sealed record HardwareArguments(IPEndPoint BootListen, Uri? BootUrl, IReadOnlyList<string> Images);

/// <summary>Turns <c>serve</c>'s option values into settings, each problem naming its option.</summary>
public static class ServeArguments
{
    /// <summary><c>sqlite:PATH</c> or <c>postgres:CONNSTRING</c>.</summary>
    public static StorageOptions? ParseDb(string value, string root, ICollection<string> errors)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(errors);
        if (value.StartsWith("sqlite:", StringComparison.Ordinal) && value.Length > "sqlite:".Length)
            return new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.GetFullPath(value["sqlite:".Length..], root) };
        if (value.StartsWith("postgres:", StringComparison.Ordinal) && value.Length > "postgres:".Length)
            return new StorageOptions { Kind = StoreKind.Postgres, PostgresConnection = value["postgres:".Length..] };
        // Never echo what may be a connection string with a password, nor more than a line of anything.
        var shown = value.Contains('=', StringComparison.Ordinal) ? "a connection string without the postgres: prefix"
            : value.Length > 120 ? $"'{value[..120]}…' ({value.Length} characters)" : $"'{value}'";
        errors.Add($"--db: expected sqlite:PATH or postgres:CONNSTRING, was {shown}");
        return null;
    }

    public static Uri? ParseListen(string value, ICollection<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && uri.AbsolutePath == "/") return uri;
        errors.Add($"--listen: expected http://HOST:PORT (e.g. http://127.0.0.1:8080), was '{value}'");
        return null;
    }

    /// <summary>
    /// The boot service's address and the images for running plans on the pool's machines: null when neither
    /// <c>--boot-listen</c> nor <c>--image</c> is given (the API alone is served) or with <c>--lab</c> (refused
    /// together with them).
    /// </summary>
    public static HardwareArguments? ParseHardware(string? bootListen, string? bootUrl, IReadOnlyList<string> images, bool lab, string root, ICollection<string> errors)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(errors);
        if (bootListen is null && bootUrl is null && images.Count == 0) return null;
        if (lab)
        {
            errors.Add("--lab runs the built-in lab's own boot service and image: --boot-listen, --boot-url and --image are for the pool's machines");
            return null;
        }
        var before = errors.Count;
        IPEndPoint? listen = null;
        if (bootListen is null) errors.Add("--boot-listen: needed with --image (http://ADDRESS:PORT on the provisioning network)");
        else if (!Uri.TryCreate(bootListen, UriKind.Absolute, out var listenUri) || listenUri.Scheme != Uri.UriSchemeHttp || listenUri.AbsolutePath != "/"
                 || !IPAddress.TryParse(listenUri.Host.Trim('[', ']'), out var address))
            errors.Add($"--boot-listen: expected http://ADDRESS:PORT with an IP address (e.g. http://0.0.0.0:8081), was '{bootListen}'");
        else listen = new IPEndPoint(address, listenUri.Port);
        Uri? url = null;
        if (bootUrl is not null && (!Uri.TryCreate(bootUrl, UriKind.Absolute, out url) || url.Scheme != Uri.UriSchemeHttp))
            errors.Add($"--boot-url: expected the http:// URL the machines reach the boot service at, was '{bootUrl}'");
        else if (bootUrl is null && listen is not null && (listen.Address.Equals(IPAddress.Any) || listen.Address.Equals(IPAddress.IPv6Any)))
            errors.Add($"--boot-url: needed when --boot-listen is {bootListen} (machines cannot reach the boot service at that address)");
        if (images.Count == 0) errors.Add("--image: needed with --boot-listen (a folder from 'testfarm image build')");
        return errors.Count > before ? null : new HardwareArguments(listen!, url, [.. images.Select(i => Path.GetFullPath(i, root))]);
    }

    /// <summary><c>--qemu</c> and <c>--qemu-arm64</c>: with <c>--lab</c> only, in range, and only where such machines can boot.</summary>
    public static void CheckQemu(int? qemu, int? qemuArm64, bool lab, string root, ICollection<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (!lab && (qemu is not null || qemuArm64 is not null))
        {
            errors.Add("--qemu and --qemu-arm64 are lab machines: give them with --lab");
            return;
        }
        if (qemu is < 0 or > 8) errors.Add($"--qemu must be 0 to 8, was {qemu}");
        else if (qemu > 0 && !QemuOptions.IsAvailable()) errors.Add("--qemu: qemu-system-x86_64 is not on PATH (run scripts/install-deps.sh)");
        if (qemuArm64 is < 0 or > 4) errors.Add($"--qemu-arm64 must be 0 to 4, was {qemuArm64}");
        else if (qemuArm64 > 0 && LabMachineSet.Arm64QemuMissing(root) is { } missing) errors.Add($"--qemu-arm64: {missing}");
    }
}
