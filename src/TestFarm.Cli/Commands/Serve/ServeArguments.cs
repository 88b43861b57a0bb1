using TestFarm.Core.Configuration;
using TestFarm.Core.Hardware;
using TestFarm.Core.Plans;
using TestFarm.Storage;
using TestFarm.Storage.Database;

namespace TestFarm.Cli.Commands.Serve;

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
        errors.Add($"--db: expected sqlite:PATH or postgres:CONNSTRING, was '{value}'");
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
