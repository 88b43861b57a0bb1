using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace TestFarm.Server.Auth;

/// <summary>
/// An endpoint filter that asks for a bearer token (or, for GET and HEAD, the dashboard's session cookie) of at least a role: 401 with a problem body when the
/// token is missing or unknown, 403 when its role is too low.
/// </summary>
public static class RoleRequirement
{
    public const string TokenItem = "testfarm.token";

    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, ApiRole role) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredRole(role)).AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var header = http.Request.Headers.Authorization.ToString();
            var secret = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
            // The dashboard's session cookie opens reads (its links to reports and artifacts); actions need the bearer header.
            if (secret is null && (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
                && http.Request.Cookies.TryGetValue(Dashboard.Access.DashboardSession.Cookie, out var cookie) && cookie.Length <= Dashboard.Access.DashboardSession.MaxSecret)
                secret = cookie;
            var token = http.RequestServices.GetRequiredService<TokenAuthenticator>().Authenticate(secret);
            if (token is null)
            {
                http.Response.Headers.WWWAuthenticate = "Bearer realm=\"testfarm\"";
                return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
                    detail: secret is null ? "send a token as 'Authorization: Bearer <token>'" : "the token is not known to this farm");
            }
            if (token.Role < role)
            {
                return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                    detail: $"token '{token.Name}' has role {token.Role}; this needs {role}");
            }
            http.Items[TokenItem] = token;
            return await next(context);
        });
}
