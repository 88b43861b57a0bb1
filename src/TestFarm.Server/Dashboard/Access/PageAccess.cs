using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TestFarm.Server.Auth;

namespace TestFarm.Server.Dashboard.Access;

/// <summary>
/// The pages' guard: no known token → a page request is sent to <c>/login</c> (other requests get 401); a role too low
/// → 403; a POST must carry a valid antiforgery token (form field) → else 400.
/// </summary>
internal static class PageAccess
{
    public static TBuilder RequirePage<TBuilder>(this TBuilder builder, ApiRole role) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var token = DashboardSession.Resolve(http);
            if (token is null)
            {
                if (HttpMethods.IsGet(http.Request.Method) && !IsStream(http))
                    return Results.Redirect("/login" + Links.Query(("next", http.Request.Path + http.Request.QueryString)));
                http.Response.Headers.WWWAuthenticate = "Bearer realm=\"testfarm\"";
                return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: "log in at /login or send 'Authorization: Bearer <token>'");
            }
            if (token.Role < role)
                return Pages.Layout.Error(http, StatusCodes.Status403Forbidden, "Forbidden", $"token '{token.Name}' has role {token.Role}; this needs {role}");
            if (HttpMethods.IsPost(http.Request.Method) && await AntiforgeryRefusalAsync(http) is { } refusal) return refusal;
            return await next(context);
        });

    /// <summary>Null when the request's antiforgery token is valid; otherwise the 400 page naming the field.</summary>
    public static async Task<IResult?> AntiforgeryRefusalAsync(HttpContext http)
    {
        try
        {
            await http.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(http);
            return null;
        }
        catch (AntiforgeryValidationException)
        {
            return Pages.Layout.Error(http, StatusCodes.Status400BadRequest, "Bad request",
                $"form field {FormField}: the antiforgery token is missing or invalid; reload the page and try again");
        }
    }

    public const string FormField = "__tf_csrf";
    public const string CookieName = "testfarm_csrf";

    private static bool IsStream(HttpContext http) =>
        http.Request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.OrdinalIgnoreCase)
        || http.Request.Path.StartsWithSegments("/logs", StringComparison.Ordinal) || http.Request.Path.StartsWithSegments("/live", StringComparison.Ordinal);
}
