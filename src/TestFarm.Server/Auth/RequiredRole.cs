namespace TestFarm.Server.Auth;

/// <summary>
/// Endpoint metadata left by <see cref="RoleRequirement.RequireRole{TBuilder}"/>: the least role the endpoint's token must
/// have. The OpenAPI document reads it to declare the bearer requirement and the 401/403 answers.
/// </summary>
public sealed record RequiredRole(ApiRole Role);
