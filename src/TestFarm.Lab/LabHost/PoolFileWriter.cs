using System.Globalization;
using System.Text;
using TestFarm.Core.Pool;

namespace TestFarm.Lab.LabHost;

/// <summary>Writes a pool in the shared <c>pool.yaml</c> format (camelCase keys, credentials by reference only).</summary>
public static class PoolFileWriter
{
    public static string ToYaml(PoolInventory pool)
    {
        var y = new StringBuilder();
        y.AppendLine("# Written by `testfarm lab up`: the lab's virtual BMCs. Credentials are references, never values.");
        y.AppendLine("machines:");
        foreach (var m in pool.Machines)
        {
            Line(y, 1, "- id", m.Id);
            Line(y, 2, "profile", m.Profile);
            y.AppendLine("    bmc:");
            Line(y, 3, "url", m.Bmc.Url.AbsoluteUri.TrimEnd('/'));
            Line(y, 3, "auth", m.Bmc.Auth == BmcAuthMode.Session ? "session" : "basic");
            y.AppendLine("      credentials:");
            if (m.Bmc.Credentials.User is { } user) Line(y, 4, "user", user);
            if (m.Bmc.Credentials.UserEnv is { } userEnv) Line(y, 4, "userEnv", userEnv);
            if (m.Bmc.Credentials.PasswordEnv is { } passwordEnv) Line(y, 4, "passwordEnv", passwordEnv);
            if (m.Bmc.Credentials.PasswordFile is { } passwordFile) Line(y, 4, "passwordFile", passwordFile);
            Line(y, 2, "provisioningMac", m.ProvisioningMac);
            y.AppendLine("    location:");
            Line(y, 3, "site", m.Location.Site);
            Line(y, 3, "rack", m.Location.Rack);
            Line(y, 3, "l2Domain", m.Location.L2Domain);
            if (m.Labels.Count > 0)
            {
                y.AppendLine("    labels:");
                foreach (var (k, v) in m.Labels.OrderBy(l => l.Key, StringComparer.Ordinal)) Line(y, 3, k, v);
            }
        }
        return y.ToString();
    }

    public static async Task WriteAsync(PoolInventory pool, string path, CancellationToken cancellationToken = default)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        await File.WriteAllTextAsync(full, ToYaml(pool), cancellationToken).ConfigureAwait(false);
    }

    private static void Line(StringBuilder y, int depth, string key, string value)
    {
        var indent = depth <= 1 ? "  " : new string(' ', 2 * depth);
        y.Append(indent).Append(key).Append(": ").AppendLine(Quote(value));
    }

    /// <summary>Double-quoted YAML scalar: safe for colons (MACs, URLs) and anything else.</summary>
    private static string Quote(string value)
    {
        var escaped = new StringBuilder(value.Length + 2).Append('"');
        foreach (var ch in value)
        {
            escaped.Append(ch switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                _ when char.IsControl(ch) => "\\u" + ((int)ch).ToString("x4", CultureInfo.InvariantCulture),
                _ => ch.ToString(),
            });
        }
        return escaped.Append('"').ToString();
    }
}
