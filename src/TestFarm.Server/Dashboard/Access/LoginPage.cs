using Microsoft.AspNetCore.Http;
using TestFarm.Server.Auth;
using TestFarm.Server.Dashboard.Pages;

namespace TestFarm.Server.Dashboard.Access;

/// <summary>
/// <c>/login</c>: a form for a token (the API's bearer tokens); a known one is kept in the HttpOnly, SameSite=Strict
/// session cookie and the user goes on to <c>next</c> (a local path). <c>POST /logout</c> drops the cookie.
/// </summary>
internal static class LoginPage
{
    public static IResult Show(HttpContext http, string? next, string? error = null, int status = StatusCodes.Status200OK)
    {
        var h = new HtmlBuilder();
        if (error is not null) h.Add($"""<p class="error" role="alert">{error}</p>""");
        h.Add($"""
            <form class="login" method="post" action="/login">{Layout.Csrf(http)}<input type="hidden" name="next" value="{DashboardSession.SafeNext(next)}">
            <label for="token">Access token</label><input id="token" name="token" type="password" autocomplete="current-password" required maxlength="{DashboardSession.MaxSecret}" autofocus>
            <button type="submit">Log in</button></form>
            <p class="hint">Use a token from the farm's token file (viewer, operator or admin). It is kept in an HttpOnly cookie for this site only.</p>
            """);
        return Layout.Page(http, "Log in", "", h.Build(), status);
    }

    public static async Task<IResult> SubmitAsync(HttpContext http, TokenAuthenticator tokens, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType)
            return Layout.Error(http, StatusCodes.Status400BadRequest, "Bad request", "body: send the login form (application/x-www-form-urlencoded)");
        if (await PageAccess.AntiforgeryRefusalAsync(http) is { } refusal) return refusal;
        var form = await http.Request.ReadFormAsync(ct);
        var secret = form["token"].ToString().Trim();
        var next = form["next"].ToString();
        if (secret.Length is 0 or > DashboardSession.MaxSecret)
            return Show(http, next, $"field 'token': give a token of 1 to {DashboardSession.MaxSecret} characters", StatusCodes.Status400BadRequest);
        if (tokens.Authenticate(secret) is not { } token)
            return Show(http, next, "field 'token': this token is not known to the farm", StatusCodes.Status401Unauthorized);
        DashboardSession.SetCookie(http, secret);
        DashboardSession.SignIn(http, token);
        return Results.Redirect(DashboardSession.SafeNext(next));
    }

    public static async Task<IResult> LogoutAsync(HttpContext http, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        DashboardSession.Resolve(http);
        if (await PageAccess.AntiforgeryRefusalAsync(http) is { } refusal) return refusal;
        DashboardSession.ClearCookie(http);
        return Results.Redirect("/login");
    }
}
