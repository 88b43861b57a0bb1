using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TestFarm.Server.Auth;

namespace TestFarm.Server.Dashboard.Access;

/// <summary>
/// Who is asking: the token from <c>Authorization: Bearer</c>, else from the dashboard's session cookie (HttpOnly,
/// SameSite=Strict, set by <c>/login</c>), verified by <see cref="TokenAuthenticator"/> on every request exactly as a
/// bearer token is. The cookie holds the token the user typed and nothing else; the server keeps no session.
/// </summary>
internal static class DashboardSession
{
    public const string Cookie = "testfarm_session";

    /// <summary>The longest token accepted from a form or cookie (the hash is what counts; this bounds the work).</summary>
    public const int MaxSecret = 512;

    public static ApiToken? Resolve(HttpContext http, bool allowCookie = true)
    {
        var header = http.Request.Headers.Authorization.ToString();
        string? secret = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
        if (secret is null && allowCookie && http.Request.Cookies.TryGetValue(Cookie, out var fromCookie)) secret = fromCookie;
        if (secret is null || secret.Length > MaxSecret) return null;
        var token = http.RequestServices.GetRequiredService<TokenAuthenticator>().Authenticate(secret);
        if (token is not null) SignIn(http, token);
        return token;
    }

    /// <summary>Makes the token the request's user: antiforgery tokens are bound to its name.</summary>
    public static void SignIn(HttpContext http, ApiToken token)
    {
        http.Items[RoleRequirement.TokenItem] = token;
        http.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, token.Name), new Claim(ClaimTypes.Role, token.Role.ToString())], "testfarm-token"));
    }

    public static ApiToken? Current(HttpContext http) => http.Items[RoleRequirement.TokenItem] as ApiToken;

    public static void SetCookie(HttpContext http, string secret) =>
        http.Response.Cookies.Append(Cookie, secret, new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps, Path = "/", IsEssential = true,
        });

    public static void ClearCookie(HttpContext http) =>
        http.Response.Cookies.Delete(Cookie, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps, Path = "/" });

    /// <summary>Where to go after login: a local path only (never another site, never '//host').</summary>
    public static string SafeNext(string? next) =>
        next is { Length: > 0 and < 2048 } n && n[0] == '/' && (n.Length == 1 || (n[1] != '/' && n[1] != '\\')) && !n.Any(char.IsControl) ? n : "/";
}
