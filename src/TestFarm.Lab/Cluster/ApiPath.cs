namespace TestFarm.Lab.Cluster;

/// <summary>A parsed resource URL: /api/v1/... or /apis/{group}/{version}/..., with namespace, name and subresource.</summary>
public sealed record ApiPath(string Group, string Version, string Plural, string? Namespace, string? Name, string? Subresource)
{
    /// <summary>Null when the path is not a resource path.</summary>
    public static ApiPath? Parse(string path)
    {
        var s = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        string group, version;
        int i;
        if (s.Length >= 3 && s[0] == "api") { group = ""; version = s[1]; i = 2; }
        else if (s.Length >= 4 && s[0] == "apis") { group = s[1]; version = s[2]; i = 3; }
        else return null;
        var rest = s[i..];
        if (rest.Length == 3 && rest[0] == "namespaces" && rest[2] is "status" or "finalize")
        {
            return new ApiPath(group, version, "namespaces", null, rest[1], rest[2]);
        }
        if (rest.Length >= 3 && rest[0] == "namespaces")
        {
            return new ApiPath(group, version, rest[2], rest[1], rest.Length > 3 ? rest[3] : null, rest.Length > 4 ? rest[4] : null);
        }
        return new ApiPath(group, version, rest[0], null, rest.Length > 1 ? rest[1] : null, rest.Length > 2 ? rest[2] : null);
    }
}
