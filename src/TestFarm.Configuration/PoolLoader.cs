using TestFarm.Core.Pool;

namespace TestFarm.Configuration;

/// <summary>Loads a pool file (<c>pool.yaml</c>) into <see cref="PoolInventory"/>, collecting every error.</summary>
public static class PoolLoader
{
    public static readonly IReadOnlyList<string> TopLevelKeys = ["machines", "nodeAccess"];
    public static readonly IReadOnlyList<string> MachineKeys = ["id", "profile", "bmc", "provisioningMac", "location", "labels"];
    private static readonly string[] BmcKeys = ["url", "auth", "credentials", "tls"];
    private static readonly string[] CredentialKeys = ["user", "userEnv", "passwordEnv", "passwordFile"];
    private static readonly string[] TlsKeys = ["caBundle", "pinnedSha256", "insecure"];
    private static readonly string[] LocationKeys = ["site", "rack", "l2Domain"];

    public static Loaded<PoolInventory>? Load(string file, string text, ICollection<ConfigError> errors)
    {
        var reader = new YamlReader(file);
        PoolInventory? pool = null;
        if (reader.Map(reader.Parse(text), "", TopLevelKeys) is { } f)
        {
            var machines = new List<PoolMachine>();
            var items = f.Items("machines", required: true);
            for (var i = 0; i < items.Count; i++)
            {
                reader.Record($"machines[{i}]", items[i]);
                if (ReadMachine(reader, reader.Map(items[i], $"machines[{i}]", MachineKeys)) is { } m) machines.Add(m);
            }
            var ssh = PoolNodeAccessLoader.Read(reader, f.Map("nodeAccess", PoolNodeAccessLoader.Keys));
            pool = new PoolInventory { Machines = machines, Ssh = ssh };
        }
        reader.Flush(errors);
        return pool is null ? null : new Loaded<PoolInventory>(pool, file, reader.Positions);
    }

    private static PoolMachine? ReadMachine(YamlReader reader, Fields? m)
    {
        if (m is null) return null;
        var id = m.Str("id", true);
        var profile = m.Str("profile", true);
        var bmc = ReadBmc(reader, m.Map("bmc", BmcKeys, true));
        var mac = m.Str("provisioningMac", true);
        if (mac is not null && !IsMac(mac))
        {
            reader.Error(m.Get("provisioningMac")!, $"'{m.Path}.provisioningMac' must be a MAC like 52:54:00:12:34:56, was '{mac}'");
            mac = null;
        }
        var location = new MachineLocation();
        if (m.Map("location", LocationKeys) is { } l)
        {
            location = new MachineLocation
            {
                Site = l.Str("site") ?? location.Site, Rack = l.Str("rack") ?? location.Rack, L2Domain = l.Str("l2Domain") ?? location.L2Domain,
            };
        }
        var labels = m.StringMap("labels");
        if (id is null || profile is null || bmc is null || mac is null) return null;
        return new PoolMachine { Id = id, Profile = profile, Bmc = bmc, ProvisioningMac = mac.ToLowerInvariant(), Location = location, Labels = labels };
    }

    private static BmcEndpoint? ReadBmc(YamlReader reader, Fields? b)
    {
        if (b is null) return null;
        var urlText = b.Str("url", true);
        Uri? url = null;
        if (urlText is not null)
        {
            if (Uri.TryCreate(urlText, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps))
                url = u;
            else
                reader.Error(b.Get("url")!, $"'{b.Path}.url' must be an absolute http(s) URL, was '{urlText}'");
        }
        var auth = b.Enum<BmcAuthMode>("auth");
        CredentialReference? credentials = null;
        if (b.Map("credentials", CredentialKeys, true) is { } c)
        {
            credentials = new CredentialReference
            {
                User = c.Str("user"), UserEnv = c.Str("userEnv"), PasswordEnv = c.Str("passwordEnv"), PasswordFile = c.Str("passwordFile"),
            };
            if (credentials.PasswordEnv is null && credentials.PasswordFile is null)
                reader.Error(c.Node, $"'{c.Path}' needs passwordEnv or passwordFile (a reference to the secret, never the secret)");
        }
        var tls = new BmcTlsOptions();
        if (b.Map("tls", TlsKeys) is { } t)
            tls = new BmcTlsOptions { CaBundle = t.Str("caBundle"), PinnedSha256 = t.Str("pinnedSha256"), Insecure = t.Bool("insecure") ?? false };
        if (url is null || credentials is null) return null;
        return new BmcEndpoint { Url = url, Auth = auth ?? BmcAuthMode.Session, Credentials = credentials, Tls = tls };
    }

    private static bool IsMac(string text)
    {
        var parts = text.Split(':');
        return parts.Length == 6 && parts.All(p => p.Length == 2 && p.All(char.IsAsciiHexDigit));
    }
}
