using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using TestFarm.Server.Auth;
using TestFarm.Server.Dashboard.Access;
using TestFarm.Server.Dashboard.Live;
using TestFarm.Server.Dashboard.Logs;
using TestFarm.Server.Dashboard.Pages;

namespace TestFarm.Server.Dashboard;

/// <summary>
/// The farm's web dashboard, served by the farm itself: pages rendered on the server by minimal-API handlers through one
/// HTML-encoding template helper (<see cref="HtmlBuilder"/>), one CSS and one small script embedded in the assembly.
/// Pages take the session cookie or a bearer token (viewers read, operators act); forms are antiforgery-protected.
/// </summary>
public static class DashboardEndpoints
{
    public static IServiceCollection AddDashboard(this IServiceCollection services)
    {
        services.AddAntiforgery(o =>
        {
            o.FormFieldName = PageAccess.FormField;
            o.Cookie.Name = PageAccess.CookieName;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
        });
        services.AddSingleton<ConsoleLogs>();
        services.AddSingleton<FleetTiles>();
        return services;
    }

    public static void MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/ui/assets/{name}", Asset).ExcludeFromDescription();
        app.MapGet("/login", (HttpContext http, string? next) => LoginPage.Show(http, next)).ExcludeFromDescription();
        app.MapPost("/login", LoginPage.SubmitAsync).ExcludeFromDescription().DisableAntiforgery();
        app.MapPost("/logout", LoginPage.LogoutAsync).ExcludeFromDescription().DisableAntiforgery();

        var viewer = app.MapGroup("").RequirePage(ApiRole.Viewer).ExcludeFromDescription();
        viewer.MapGet("/", (HttpContext http, Storage.Sql.SqlFarmStore store, Hosting.FarmServerOptions options, FleetTiles tiles, TimeProvider time, CancellationToken ct, string? state, string? profile) =>
            FleetPage.RenderAsync(http, store, options, tiles, time, Blank(state), Blank(profile), ct));
        viewer.MapGet("/machines/{id}", MachinePage.RenderAsync);
        viewer.MapGet("/queue", QueuePage.RenderAsync);
        viewer.MapGet("/runs", (HttpContext http, Storage.Sql.SqlFarmStore store, CancellationToken ct, string? plan, string? trigger, string? verdict, string? pr, string? page) =>
            RunsPage.RenderAsync(http, store, ct, plan, trigger, verdict, pr, page));
        viewer.MapGet("/runs/{id}", RunPage.RenderAsync);
        viewer.MapGet("/runs/{id}/cells/{**cell}", CellPage.RenderAsync);
        viewer.MapGet("/tests/{**test}", TestPage.RenderAsync);
        viewer.MapGet("/logs/runs/{id}/{**path}", LogEndpoints.CellLogAsync);
        viewer.MapGet("/logs/machines/{id}/console", LogEndpoints.ConsoleLog);
        viewer.MapGet("/live/runs/{id}", LiveEndpoints.RunAsync);
        viewer.MapGet("/live/reservations/{id}", ReservationLive.StreamAsync);
        // Console input and power: the holder of the machine's reservation or an operator (checked by the handlers).
        viewer.MapPost("/machines/{id}/console", MachineConsolePanel.InputAsync).DisableAntiforgery();
        viewer.MapPost("/machines/{id}/power", MachineConsolePanel.PowerAsync).DisableAntiforgery();
        viewer.MapGet("/reservations", ReservationsPage.ListAsync);
        viewer.MapGet("/reservations/{id}", ReservationsPage.RenderAsync);

        var operators = app.MapGroup("").RequirePage(ApiRole.Operator).ExcludeFromDescription().DisableAntiforgery();
        operators.MapPost("/machines/{id}/{action}", MachinePage.ActAsync);
        operators.MapPost("/reservations", ReservationsPage.CreateLikeAsync);
        operators.MapPost("/reservations/{id}/{action}", ReservationsPage.ActAsync);
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    private static readonly Dictionary<string, (string Type, byte[] Bytes)> Assets = Load();

    private static Dictionary<string, (string, byte[])> Load()
    {
        var assembly = typeof(DashboardEndpoints).Assembly;
        var found = new Dictionary<string, (string, byte[])>(StringComparer.Ordinal);
        foreach (var (name, type) in new[] { ("dashboard.css", "text/css; charset=utf-8"), ("dashboard.js", "text/javascript; charset=utf-8") })
        {
            using var stream = assembly.GetManifestResourceStream($"TestFarm.Server.Dashboard.Assets.{name}")
                ?? throw new InvalidOperationException($"the dashboard asset {name} is not embedded in {assembly.GetName().Name}");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            found[name] = (type, copy.ToArray());
        }
        return found;
    }

    private static IResult Asset(string name, HttpContext http)
    {
        if (!Assets.TryGetValue(name, out var asset)) return Results.NotFound();
        http.Response.Headers.CacheControl = "public, max-age=300";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        return Results.Bytes(asset.Bytes, asset.Type);
    }
}
