using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace TestFarm.Provisioning.Boot;

/// <summary>
/// The farm's HTTP boot service: iPXE scripts by one-time token or by MAC, content-addressed boot
/// artifacts (lengths, Range requests, SHA-256), and the agent callbacks. Host it with
/// <c>app.MapTestFarmBoot()</c> after <c>services.AddTestFarmBootService(publicBase)</c>.
/// </summary>
public static class BootEndpoints
{
    public static IEndpointRouteBuilder MapTestFarmBoot(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/boot/v1/ipxe/{token}", (string token, BootSessions sessions, BootServiceOptions options, ILoggerFactory logs) =>
        {
            var ticket = sessions.ForFetch(token);
            return Script(ticket, options, logs, "token " + BootTicket.IdOf(token));
        });
        endpoints.MapGet("/boot/v1/ipxe", (string? mac, BootSessions sessions, BootServiceOptions options, ILoggerFactory logs) =>
        {
            if (string.IsNullOrWhiteSpace(mac)) return Results.BadRequest("query parameter mac is required");
            return Script(sessions.PendingForMac(mac), options, logs, "mac " + BootSessions.NormalizeMac(mac));
        });
        endpoints.MapGet("/boot/v1/grub/{token}", (string token, BootSessions sessions, BootServiceOptions options, ILoggerFactory logs) =>
            Grub(sessions.ForFetch(token), options, logs, "token " + BootTicket.IdOf(token)));
        endpoints.MapGet("/boot/v1/grub", (string? mac, BootSessions sessions, BootServiceOptions options, ILoggerFactory logs) =>
        {
            if (string.IsNullOrWhiteSpace(mac)) return Results.BadRequest("query parameter mac is required");
            return Grub(sessions.PendingForMac(mac), options, logs, "mac " + BootSessions.NormalizeMac(mac));
        });
        endpoints.MapGet("/boot/v1/artifacts/{sha256}/{name}", (string sha256, string name, BootArtifacts artifacts, HttpContext http) =>
        {
            var path = artifacts.PathOf(sha256);
            if (path is null) return Results.NotFound($"no artifact {sha256}");
            http.Response.Headers["Repr-Digest"] = $"sha-256=:{Convert.ToBase64String(Convert.FromHexString(sha256))}:";
            http.Response.Headers["X-Checksum-Sha256"] = sha256.ToLowerInvariant();
            return Results.File(path, "application/octet-stream", fileDownloadName: null,
                entityTag: new EntityTagHeaderValue($"\"{sha256.ToLowerInvariant()}\""), enableRangeProcessing: true);
        });
        endpoints.MapPost("/agent/v1/booted", async (HttpContext http, BootSessions sessions) =>
        {
            var report = await Read(http, AgentJsonContext.Default.AgentBootedReport);
            if (report is null) return Results.BadRequest("body must be an AgentBootedReport JSON document");
            var (check, session) = sessions.AcceptBooted(report, http.Connection.RemoteIpAddress?.ToString());
            return check == TokenCheck.Accepted
                ? Results.Text($"session {session!.Id}\n", "text/plain")
                : Refused(check);
        });
        endpoints.MapGet("/agent/v1/action", (string? session, BootSessions sessions) =>
        {
            var s = session is null ? null : sessions.Poll(session);
            return s is null ? Results.Text("poweroff\n", "text/plain", statusCode: 404) : Results.Text(s.NextActionLine(sessions.Time.GetUtcNow()) + "\n", "text/plain");
        });
        endpoints.MapPost("/agent/v1/cleaned", async (HttpContext http, BootSessions sessions) =>
        {
            var report = await Read(http, AgentJsonContext.Default.AgentCleanedReport);
            if (report is null) return Results.BadRequest("body must be an AgentCleanedReport JSON document");
            var check = sessions.AcceptCleaned(report, http.Connection.RemoteIpAddress?.ToString());
            return check == TokenCheck.Accepted ? Results.Text("ok\n", "text/plain") : Refused(check);
        });
        return endpoints;
    }

    /// <summary>Registers the boot service's singletons (sessions, artifacts, options).</summary>
    public static IServiceCollection AddTestFarmBootService(this IServiceCollection services, Uri publicBaseUrl) =>
        services.AddTestFarmBootService(_ => publicBaseUrl);

    /// <summary>As above, with the public base computed at first use (e.g. once Kestrel's port is known).</summary>
    public static IServiceCollection AddTestFarmBootService(this IServiceCollection services, Func<IServiceProvider, Uri> publicBaseUrl)
    {
        services.AddSingleton(sp => new BootServiceOptions { PublicBaseUrl = publicBaseUrl(sp) });
        services.AddSingleton(sp => new BootSessions(sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetService<ILogger<BootSessions>>()));
        services.AddSingleton<BootArtifacts>();
        return services;
    }

    private static IResult Script(BootTicket? ticket, BootServiceOptions options, ILoggerFactory logs, string key)
    {
        var log = logs.CreateLogger(typeof(BootEndpoints).FullName!);
        if (ticket is null)
        {
            Log.NoPendingBoot(log, key);
            return Results.Text("#!ipxe\necho TestFarm: no pending boot\nexit 1\n", "text/plain", statusCode: 404);
        }
        Log.ScriptServed(log, ticket.MachineId, ticket.TokenId);
        return Results.Text(IpxeScript.Render(ticket, options.PublicBaseUrl), "text/plain");
    }

    private static IResult Grub(BootTicket? ticket, BootServiceOptions options, ILoggerFactory logs, string key)
    {
        var log = logs.CreateLogger(typeof(BootEndpoints).FullName!);
        if (ticket is null)
        {
            Log.NoPendingBoot(log, key);
            return Results.Text(GrubScript.NoPendingBoot, "text/plain", statusCode: 404);
        }
        Log.ScriptServed(log, ticket.MachineId, ticket.TokenId);
        return Results.Text(GrubScript.Render(ticket, options.PublicBaseUrl), "text/plain");
    }

    private static IResult Refused(TokenCheck check) => check switch
    {
        TokenCheck.Replayed => Results.Text("token already used\n", "text/plain", statusCode: StatusCodes.Status409Conflict),
        TokenCheck.Expired => Results.Text("token expired\n", "text/plain", statusCode: StatusCodes.Status410Gone),
        _ => Results.Text("token not recognised\n", "text/plain", statusCode: StatusCodes.Status403Forbidden),
    };

    private static async Task<T?> Read<T>(HttpContext http, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class
    {
        try { return await JsonSerializer.DeserializeAsync(http.Request.Body, type, http.RequestAborted); }
        catch (JsonException) { return null; }
    }
}
