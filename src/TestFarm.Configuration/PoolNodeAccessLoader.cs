using System.Text.RegularExpressions;
using TestFarm.Core.Configuration;
using TestFarm.Core.Pool;

namespace TestFarm.Configuration;

/// <summary>Reads a pool file's <c>nodeAccess</c>: how the farm logs in to the machines for node actions (over SSH).</summary>
internal static partial class PoolNodeAccessLoader
{
    public static readonly IReadOnlyList<string> Keys = ["ssh"];
    public static readonly IReadOnlyList<string> SshKeys = ["user", "keyFile", "port", "host", "connectTimeout", "commandTimeout"];
    private static readonly TimeSpan MaxConnectTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxCommandTimeout = TimeSpan.FromHours(1);

    public static SshNodeAccess? Read(YamlReader reader, Fields? access)
    {
        if (access?.Map("ssh", SshKeys, required: true) is not { } s) return null;
        var ok = true;
        var defaults = new SshNodeAccess();
        var user = s.Str("user") ?? defaults.User;
        if (!UserName().IsMatch(user)) ok = Fail(reader, s, "user", $"must be a login name (letters, digits, '.', '_', '-'), was '{Cut(user)}'");
        var keyFile = s.Str("keyFile");
        if (keyFile is not null && (keyFile.Length == 0 || keyFile.Contains('\n', StringComparison.Ordinal) || keyFile.StartsWith("-----", StringComparison.Ordinal)))
            ok = Fail(reader, s, "keyFile", "must be the path of the private key file, not the key itself");
        var port = s.Int("port", min: 1) ?? defaults.Port;
        if (port > 65535) ok = Fail(reader, s, "port", $"must be 1 to 65535, was {port}");
        var host = s.Str("host") ?? defaults.Host;
        var unknown = Placeholder().Matches(host).Select(m => m.Value)
            .FirstOrDefault(p => p is not SshNodeAccess.AddressPlaceholder and not SshNodeAccess.IdPlaceholder);
        if (unknown is not null) ok = Fail(reader, s, "host", $"knows only {SshNodeAccess.AddressPlaceholder} and {SshNodeAccess.IdPlaceholder}, not '{Cut(unknown)}'");
        else if (!HostTemplate().IsMatch(host)) ok = Fail(reader, s, "host", $"must be a host name or address, {SshNodeAccess.AddressPlaceholder} or {SshNodeAccess.IdPlaceholder} in one, was '{Cut(host)}'");
        var connect = Duration(reader, s, "connectTimeout", defaults.ConnectTimeout, MaxConnectTimeout, ref ok);
        var command = Duration(reader, s, "commandTimeout", defaults.CommandTimeout, MaxCommandTimeout, ref ok);
        if (ok && command <= connect)
            ok = Fail(reader, s, "commandTimeout", $"must be longer than connectTimeout ({connect.TotalSeconds:0}s), was {command.TotalSeconds:0}s");
        return ok ? new SshNodeAccess { User = user, KeyFile = keyFile, Port = port, Host = host, ConnectTimeout = connect, CommandTimeout = command } : null;
    }

    private static TimeSpan Duration(YamlReader reader, Fields s, string key, TimeSpan fallback, TimeSpan max, ref bool ok)
    {
        if (s.Str(key) is not { } text) return fallback;
        TimeSpan value;
        bool parsed;
        try { parsed = Durations.TryParse(text, out value); }
        catch (OverflowException) { parsed = false; value = default; } // parts adding up past TimeSpan's range
        if (!parsed)
        {
            ok = Fail(reader, s, key, $"must be a duration like 10s or 2m, was '{Cut(text)}'");
            return fallback;
        }
        if (value > max) ok = Fail(reader, s, key, $"must be at most {max.TotalSeconds:0}s, was {value.TotalSeconds:0}s");
        return value;
    }

    private static bool Fail(YamlReader reader, Fields s, string key, string message)
    {
        reader.Error(s.Get(key) ?? s.Node, $"'{s.Path}.{key}' {message}");
        return false;
    }

    private static string Cut(string text) => text.Length > 80 ? text[..80] + "…" : text;

    [GeneratedRegex("^[a-z_][a-z0-9_.-]{0,31}$", RegexOptions.IgnoreCase)]
    private static partial Regex UserName();

    [GeneratedRegex(@"\{[^}]*\}?")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^(\{address\}|\{id\}|[A-Za-z0-9.:_-]){1,253}$")]
    private static partial Regex HostTemplate();
}
