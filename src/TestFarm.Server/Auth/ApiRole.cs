namespace TestFarm.Server.Auth;

/// <summary>What a token may do: each role includes the ones below it.</summary>
public enum ApiRole
{
    /// <summary>Read pool, queue, runs, results.</summary>
    Viewer = 1,
    /// <summary>Drain, repair and retire machines; trigger and cancel runs.</summary>
    Operator = 2,
    /// <summary>Everything, including tokens and configuration.</summary>
    Admin = 3,
}

/// <summary>A token as kept at rest: its name, role and the SHA-256 of the secret, never the secret.</summary>
public sealed record ApiToken
{
    public required string Name { get; init; }
    public required ApiRole Role { get; init; }
    /// <summary>Lower-case hex SHA-256 of the token's secret.</summary>
    public required string Sha256 { get; init; }
}

/// <summary>The tokens the server accepts (from configuration section <c>TestFarm:Api</c>).</summary>
public sealed class ApiAuthOptions
{
    public List<ApiToken> Tokens { get; init; } = [];
}
