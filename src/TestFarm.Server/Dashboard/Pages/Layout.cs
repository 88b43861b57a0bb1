using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TestFarm.Server.Dashboard.Access;

namespace TestFarm.Server.Dashboard.Pages;

/// <summary>The page shell (title, navigation, who is logged in, assets), error pages and the forms' antiforgery field.</summary>
internal static class Layout
{
    public const string Css = "/ui/assets/dashboard.css";
    public const string Js = "/ui/assets/dashboard.js";

    public static IResult Page(HttpContext http, string title, string nav, Html body, int status = StatusCodes.Status200OK)
    {
        var token = DashboardSession.Current(http);
        var h = new HtmlBuilder();
        h.Add($"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{title} · TestFarm</title><link rel="icon" href="data:,"><link rel="stylesheet" href="{Css}"><script src="{Js}" defer></script></head>
            <body><a class="skip" href="#main">Skip to content</a>
            <header class="top"><a class="brand" href="/">TestFarm</a><nav aria-label="Main"><ul>
            """);
        foreach (var (href, label, key) in new[] { ("/", "Fleet", "fleet"), ("/queue", "Queue", "queue"), ("/runs", "Runs", "runs"), ("/reservations", "Reservations", "reservations") })
            h.Add($"""<li><a href="{href}"{(key == nav ? new Html(" aria-current=\"page\"") : Html.Empty)}>{label}</a></li>""");
        h.Add($"</ul></nav>");
        if (token is not null)
            h.Add($"""<div class="who"><span>{token.Name} ({token.Role})</span><form method="post" action="/logout">{Csrf(http)}<button type="submit">Log out</button></form></div>""");
        h.Add($"""</header><main id="main"><h1>{title}</h1>{body}</main></body></html>""");
        return Send(http, h.ToString(), status);
    }

    public static IResult Error(HttpContext http, int status, string title, string detail) =>
        Page(http, title, "", HtmlBuilder.Of($"""<p class="error" role="alert">{detail}</p><p><a href="/">Back to the fleet</a></p>"""), status);

    public static IResult NotFound(HttpContext http, string detail) => Error(http, StatusCodes.Status404NotFound, "Not found", detail);

    /// <summary>The hidden antiforgery field every POST form carries.</summary>
    public static Html Csrf(HttpContext http)
    {
        var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        return HtmlBuilder.Of($"""<input type="hidden" name="{tokens.FormFieldName}" value="{tokens.RequestToken}">""");
    }

    public static IResult Send(HttpContext http, string html, int status = StatusCodes.Status200OK)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "same-origin";
        headers.CacheControl = "no-store";
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    public static string Ago(DateTimeOffset at, DateTimeOffset now)
    {
        var d = now - at;
        return d.TotalSeconds < 0 ? "just now" : d.TotalMinutes < 1 ? FormattableString.Invariant($"{(int)d.TotalSeconds}s ago")
            : d.TotalHours < 1 ? FormattableString.Invariant($"{(int)d.TotalMinutes}m ago")
            : d.TotalDays < 1 ? FormattableString.Invariant($"{(int)d.TotalHours}h ago") : FormattableString.Invariant($"{(int)d.TotalDays}d ago");
    }

    public static string Time(DateTimeOffset? at) => at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) : "—";

    public static string Duration(double? seconds) => seconds is not { } s ? "…"
        : s < 60 ? FormattableString.Invariant($"{s:F1}s")
        : s < 3600 ? FormattableString.Invariant($"{(int)(s / 60)}m{(int)(s % 60):D2}s")
        : FormattableString.Invariant($"{(int)(s / 3600)}h{(int)(s % 3600 / 60):D2}m");

    /// <summary>A verdict or state as a badge (its text is always shown; colour only helps).</summary>
    public static Html Badge(string? state) => HtmlBuilder.Of($"""<span class="badge b-{state ?? "none"}">{state ?? "—"}</span>""");
}
