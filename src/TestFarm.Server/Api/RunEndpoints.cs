using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TestFarm.Orchestration.Runs;
using TestFarm.Server.Auth;
using TestFarm.Server.Reports;
using TestFarm.Server.Runs;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Api;

/// <summary><c>/api/v1/runs</c>: list, read (cells, phases with durations, verdicts, artifacts), trigger and cancel.</summary>
public static class RunEndpoints
{
    public static void MapRunEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapGet("/runs", ListAsync).RequireRole(ApiRole.Viewer).WithName("ListRuns").WithSummary("Runs, newest first (?limit=1..500, default 50)");
        api.MapGet("/runs/{id}", GetAsync).RequireRole(ApiRole.Viewer).WithName("GetRun").WithSummary("A run with its cells, phases, verdicts and artifacts, and its reports and cell files with their URLs");
        api.MapPost("/runs", TriggerAsync).RequireRole(ApiRole.Operator).WithName("TriggerRun").WithSummary("Trigger a plan by name: {\"plan\": \"nightly\"}")
            .Accepts<TriggerBody>("application/json").Produces<TriggeredView>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapPost("/runs/{id}/cancel", CancelAsync).RequireRole(ApiRole.Operator).WithName("CancelRun").WithSummary("Cancel a run (any instance may ask)")
            .Produces<TriggeredView>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static async Task<IResult> ListAsync(HttpContext http, RunViews views, CancellationToken ct, int? limit = null)
    {
        if (limit is < 1 or > 500)
            return Problems.Of(http, StatusCodes.Status400BadRequest, "Bad query", $"limit must be 1 to 500, was {limit}", "limit");
        return Results.Ok(await views.ListAsync(limit ?? 50, ct));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext http, RunViews views, RunFileCatalog files, CancellationToken ct) =>
        await views.GetAsync(id, ct) is { } run
            ? Results.Ok(run with { Reports = files.Describe(run.Id, run.Cells.Select(c => c.CellId)) })
            : Problems.NotFound(http, $"no run '{Problems.Echo(id)}'");

    private static async Task<IResult> TriggerAsync(HttpContext http, RunEngine engine, CancellationToken ct)
    {
        TriggerBody? body = null;
        if (http.Request.ContentLength is not 0)
        {
            if (!http.Request.HasJsonContentType())
                return Problems.Of(http, StatusCodes.Status415UnsupportedMediaType, "Not JSON", "body: send it as application/json", "body");
            var (read, problem, field) = await TriggerBodyReader.ReadAsync(http.Request.Body, ct);
            if (problem is not null) return Problems.Of(http, StatusCodes.Status400BadRequest, "Bad JSON", problem, field);
            body = read;
        }
        var token = http.Items[RoleRequirement.TokenItem] as ApiToken;
        var outcome = await engine.TriggerAsync(body?.Plan, $"api ({token?.Name ?? "?"})", ct);
        if (outcome.Refusal is { } r) return Problems.Of(http, r.Status, r.Title, r.Detail, r.Field);
        var url = $"/api/v1/runs/{outcome.RunId}";
        return Results.Accepted(url, new TriggeredView(outcome.RunId!, url));
    }

    private static async Task<IResult> CancelAsync(string id, HttpContext http, RunViews views, RunEngine engine, CancellationToken ct)
    {
        var token = http.Items[RoleRequirement.TokenItem] as ApiToken;
        switch (await engine.CancelAsync(id, token?.Name ?? "?", ct))
        {
            case CancelOutcome.NotFound: return Problems.NotFound(http, $"no run '{id}'");
            case CancelOutcome.AlreadyEnded:
                var run = await views.GetAsync(id, ct);
                return Problems.Of(http, StatusCodes.Status409Conflict, "Run has ended", $"run {id} is {run?.State}; nothing to cancel");
            default: return Results.Accepted($"/api/v1/runs/{id}", new TriggeredView(id, $"/api/v1/runs/{id}"));
        }
    }
}
