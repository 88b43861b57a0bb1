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
        endpoints.MapGet("/boot/v1/ipxe", (string? mac, HttpContext http, BootSessions sessions, BootServiceOptions options, ILoggerFactory logs) =>
        {
            if (string.IsNullOrWhiteSpace(mac)) return Results.BadRequest("query parameter mac is required");
            var (ticket, foreign) = sessions.PendingForMac(mac, http.Connection.RemoteIpAddress?.ToString());
            return foreign ? ForeignCaller() : Script(ticket, options, logs, "mac " + BootSessions.NormalizeMac(mac));
        });
        endpoints.MapGet("/boot/v1/grub/{token}", (string token, BootSessions sessions, BootServiceOptions options, ILoggerFactory logs) =>
            Grub(sessions.ForFetch(token), options, logs, "token " + BootTicket.IdOf(token)));
        endpoints.MapGet("/boot/v1/grub", (string? mac, HttpContext http, BootSessions sessions, BootServiceOptions options, ILoggerFactory logs) =>
        {
            if (string.IsNullOrWhiteSpace(mac)) return Results.BadRequest("query parameter mac is required");
            var (ticket, foreign) = sessions.PendingForMac(mac, http.Connection.RemoteIpAddress?.ToString());
            return foreign ? ForeignCaller() : Grub(ticket, options, logs, "mac " + BootSessions.NormalizeMac(mac));
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
            var (report, problem) = await Read(http, AgentReportReader.ReadBootedAsync);
            if (problem is not null) return BadReport(problem);
            var (check, session) = sessions.AcceptBooted(report!, http.Connection.RemoteIpAddress?.ToString());
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
            var (report, problem) = await Read(http, AgentReportReader.ReadCleanedAsync);
            if (problem is not null) return BadReport(problem);
            var check = sessions.AcceptCleaned(report!, http.Connection.RemoteIpAddress?.ToString());
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

    /// <summary>The MAC's boot is bound to another address: refused (the refusal is audited by <see cref="BootSessions"/>).</summary>
    private static IResult ForeignCaller() =>
        Results.Text("#!ipxe\necho TestFarm: this boot is not for this caller\nexit 1\n", "text/plain", statusCode: StatusCodes.Status403Forbidden);

    private static IResult Refused(TokenCheck check) => check switch
    {
        TokenCheck.Foreign => Results.Text("token not issued to this machine\n", "text/plain", statusCode: StatusCodes.Status403Forbidden),
        TokenCheck.Replayed => Results.Text("token already used\n", "text/plain", statusCode: StatusCodes.Status409Conflict),
        TokenCheck.Expired => Results.Text("token expired\n", "text/plain", statusCode: StatusCodes.Status410Gone),
        _ => Results.Text("token not recognised\n", "text/plain", statusCode: StatusCodes.Status403Forbidden),
    };

    /// <summary>
    /// Reads an agent's JSON body, at most <see cref="AgentReportCheck.MaxBodyBytes"/>, through <see cref="AgentReportReader"/>:
    /// the checked report, or why there is none.
    /// </summary>
    private static async Task<(T? Report, string? Problem)> Read<T>(HttpContext http, Func<Stream, CancellationToken, Task<(T?, string?)>> read) where T : class
    {
        if (http.Request.ContentLength > AgentReportCheck.MaxBodyBytes)
            return (null, $"body: at most {AgentReportCheck.MaxBodyBytes} bytes, was {http.Request.ContentLength}");
        if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = AgentReportCheck.MaxBodyBytes;
        try
        {
            return await read(http.Request.Body, http.RequestAborted);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, $"body: at most {AgentReportCheck.MaxBodyBytes} bytes");
        }
    }

    private static IResult BadReport(string problem) =>
        Results.Problem(detail: problem, statusCode: problem.Contains("bytes", StringComparison.Ordinal) && problem.StartsWith("body: at most", StringComparison.Ordinal)
            ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest, title: "Bad agent report");
}
