namespace TestFarm.Redfish.Http;

/// <summary>Where a BMC's service lives and how its <c>@odata.id</c> paths resolve.</summary>
public sealed record RedfishEndpoint
{
    public RedfishEndpoint(Uri baseUrl)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        if (!baseUrl.IsAbsoluteUri) throw new ArgumentException($"BMC url must be absolute, was '{baseUrl}'", nameof(baseUrl));
        var text = baseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/');
        ServiceRoot = text.EndsWith("/redfish/v1", StringComparison.OrdinalIgnoreCase) ? new Uri(text) : new Uri(text + "/redfish/v1");
        Origin = new Uri(baseUrl.GetLeftPart(UriPartial.Authority));
    }

    /// <summary><c>{url}/redfish/v1</c>, unless the url already ends there.</summary>
    public Uri ServiceRoot { get; }

    /// <summary>Scheme, host and port: <c>@odata.id</c> values are absolute paths resolved against it.</summary>
    public Uri Origin { get; }

    public Uri Resolve(string odataId)
    {
        ArgumentException.ThrowIfNullOrEmpty(odataId);
        var hash = odataId.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0) odataId = odataId[..hash];
        // An absolute link (a task monitor's Location) is followed on this BMC's own address: BMCs behind NAT
        // or a proxy name their inner one.
        return Uri.TryCreate(odataId, UriKind.Absolute, out var abs) && abs.Scheme.StartsWith("http", StringComparison.Ordinal)
            ? new Uri(Origin, abs.PathAndQuery)
            : new Uri(Origin, odataId);
    }
}

public static class RedfishUris
{
    /// <summary>Compares Redfish paths without regard to case or a trailing slash (HPE iLO sends both).</summary>
    public static bool SamePath(string? a, string? b) =>
        a is not null && b is not null && string.Equals(Normalize(a), Normalize(b), StringComparison.OrdinalIgnoreCase);

    public static string Normalize(string path)
    {
        var p = path.Split('#', '?')[0];
        return p.Length > 1 ? p.TrimEnd('/') : p;
    }
}
