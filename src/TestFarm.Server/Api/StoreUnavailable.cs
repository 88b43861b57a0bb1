using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using TestFarm.Server.Hosting;
using TestFarm.Storage.Database;

namespace TestFarm.Server.Api;

/// <summary>
/// A request that needs the database while it is away (<see cref="StoreOutage"/>): 503 problem+json naming the database (host:port/db or the SQLite
/// file, never a password), what was asked of it and the request id, with <c>Retry-After</c>; logged in one line (the
/// farm's logger factory shortens and paces outage entries). Placed inside the exception handler, so a
/// <see cref="StoreException"/> never reaches it as a 500 or with a stack trace.
/// </summary>
internal static class StoreUnavailable
{
    public const int RetryAfterSeconds = 5;

    public static IApplicationBuilder UseStoreUnavailable(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        try
        {
            await next(http);
        }
        catch (StoreException e) when (StoreOutage.Cause(e) is { } cause && !http.Response.HasStarted && !http.RequestAborted.IsCancellationRequested)
        {
            // Only an outage: a store error that is a bug (bad SQL, a broken constraint) stays a logged 500 with its stack trace.
            var log = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("TestFarm.Server.Api");
            ServerLog.StoreUnavailable(log, http.Request.Method, Problems.Echo(http.Request.Path), e.Place, http.TraceIdentifier, e);
            http.Response.Clear();
            http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Database unavailable",
                detail: $"the farm's database ({e.Place}) did not answer ({e.Operation}: {StoreOutage.OneLine(cause)}); try again in a few seconds (request {http.TraceIdentifier})",
                instance: Problems.Echo(http.Request.Path + http.Request.QueryString),
                extensions: new Dictionary<string, object?>(StringComparer.Ordinal) { ["database"] = e.Place, ["requestId"] = http.TraceIdentifier })
                .ExecuteAsync(http);
        }
    });

    /// <summary>
    /// <c>/healthz</c>'s body: the overall status, then each check with its status and description, e.g.
    /// <c>Unhealthy: store Unhealthy: postgres 127.0.0.1:5432/farm: list machines: Failed to connect to 127.0.0.1:5432</c>.
    /// </summary>
    public static HealthCheckOptions HealthOptions { get; } = new()
    {
        ResponseWriter = (http, report) =>
        {
            http.Response.ContentType = "text/plain; charset=utf-8";
            var checks = report.Entries.Select(e => $"{e.Key} {e.Value.Status}: {Problems.Echo(e.Value.Description, 500)}");
            return http.Response.WriteAsync($"{report.Status}: {string.Join("; ", checks)}");
        },
    };
}
