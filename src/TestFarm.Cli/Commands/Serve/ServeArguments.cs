using System.Net;
using TestFarm.Core.Configuration;
using TestFarm.Core.Hardware;
using TestFarm.Core.Plans;
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

    /// <summary>
    /// Lab machines for <c>serve --lab</c>: per profile, what the largest cell of any plan on that profile needs,
    /// plus <paramref name="spares"/>.
    /// </summary>
    public static IReadOnlyList<HardwareProfile> LabMachines(ConfigurationSet config, int spares)
    {
        ArgumentNullException.ThrowIfNull(config);
        var profiles = config.Profiles.Select(p => p.Value).ToList();
        var need = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var plan in config.Plans.Select(p => p.Value))
        {
            foreach (var cell in MatrixExpander.Expand(plan, profiles))
            {
                var n = cell.Topology.Roles.Sum(r => r.Count) + plan.Spares;
                need[cell.Profile] = Math.Max(need.GetValueOrDefault(cell.Profile), n);
            }
        }
        return [.. need.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .SelectMany(kv => Enumerable.Repeat(profiles.First(p => p.Name == kv.Key), kv.Value + spares))];
    }
}
