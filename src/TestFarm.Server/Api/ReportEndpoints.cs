using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;
using TestFarm.Reporting;
using TestFarm.Server.Auth;
using TestFarm.Server.Reports;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Api;

/// <summary>
/// A run's files, for viewers: its reports (<c>/api/v1/runs/{id}/reports/report.html</c>, <c>report.md</c>, <c>junit.xml</c>,
/// <c>junit/&lt;cell&gt;.xml</c>, <c>run.json</c>), its Allure results as one zip (<c>reports/allure-results.zip</c>) and every
/// file its cells kept (<c>/api/v1/runs/{id}/artifacts/&lt;cell&gt;/&lt;path&gt;</c>). Files are streamed from disk with their
/// content type, Content-Length, ETag and Last-Modified, and answer Range requests (206, 416) and conditional ones (304).
/// </summary>
internal static class ReportEndpoints
{
    private static readonly string[] GetOrHead = [HttpMethods.Get, HttpMethods.Head];

    /// <summary>The reports a run's folder holds at its top level; per-cell JUnit files are <c>junit/&lt;cell&gt;.xml</c>.</summary>
    public static IReadOnlyList<string> Reports { get; } = [RunFileLinks.HtmlReport, "report.md", "junit.xml", RunResultJson.FileName];

    public static void MapReportEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapMethods($"/runs/{{id}}/{RunFileLinks.ReportsSegment}/{RunFileLinks.AllureArchive}", GetOrHead, AllureAsync)
            .RequireRole(ApiRole.Viewer).WithName("GetRunAllureResults").WithSummary("The run's allure-results folder as a zip, streamed")
            .Produces(StatusCodes.Status200OK, contentType: "application/zip").ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapMethods($"/runs/{{id}}/{RunFileLinks.ReportsSegment}/{{**name}}", GetOrHead, ReportAsync)
            .RequireRole(ApiRole.Viewer).WithName("GetRunReport")
            .WithSummary("A report of the run: report.html, report.md, junit.xml, junit/<cell>.xml or run.json (Range, ETag)")
            .Produces(StatusCodes.Status200OK, contentType: "text/html").Produces(StatusCodes.Status206PartialContent).Produces(StatusCodes.Status416RangeNotSatisfiable)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapMethods($"/runs/{{id}}/{RunFileLinks.ArtifactsSegment}/{{**path}}", GetOrHead, ArtifactAsync)
            .RequireRole(ApiRole.Viewer).WithName("GetRunArtifact")
            .WithSummary("A file a cell of the run kept: <cell folder>/<path>, as GET /api/v1/runs/{id} lists it (Range, ETag)")
            .Produces(StatusCodes.Status200OK, contentType: RunFileTypes.Binary).Produces(StatusCodes.Status206PartialContent).Produces(StatusCodes.Status416RangeNotSatisfiable)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> ReportAsync(string id, string? name, HttpContext http, RunFiles files, SqlFarmStore store, CancellationToken ct)
    {
        name ??= "";
        if (!IsReport(name))
        {
            if (RunPaths.PathRefusal(name) is { } bad)
                return Problems.Of(http, StatusCodes.Status400BadRequest, "Bad path", $"name '{RunPaths.Echo(name)}' {bad}", "name");
            return Problems.Of(http, StatusCodes.Status404NotFound, "Not found",
                $"no report '{RunPaths.Echo(name)}'; a run's reports are {string.Join(", ", Reports)}, junit/<cell>.xml and {RunFileLinks.AllureArchive}", "name");
        }
        return await AnswerAsync(http, files.Find(id, name, "name"), id, name, store, sandbox: false, ct);
    }

    private static Task<IResult> ArtifactAsync(string id, string? path, HttpContext http, RunFiles files, SqlFarmStore store, CancellationToken ct) =>
        AnswerAsync(http, files.Find(id, path ?? "", "path", under: "cells"), id, path ?? "", store, sandbox: true, ct);

    private static async Task<IResult> AllureAsync(string id, HttpContext http, RunFiles files, SqlFarmStore store, CancellationToken ct)
    {
        var run = files.RunFolder(id);
        if (run.Outcome != RunFileOutcome.Found) return await AnswerAsync(http, run, id, RunFileLinks.AllureArchive, store, sandbox: false, ct);
        var root = RunFiles.RealPath(run.Detail) ?? run.Detail;
        var entries = AllureArchive.Files(Path.Combine(root, AllureArchive.Folder), root);
        if (entries.Count == 0)
            return Problems.Of(http, StatusCodes.Status404NotFound, "Not found", $"run '{RunPaths.Echo(id)}' has no {AllureArchive.Folder}", "name");
        var modified = entries.Max(e => e.File.LastWriteTimeUtc);
        http.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.Stream(stream => AllureArchive.WriteAsync(entries, stream, http.RequestAborted), "application/zip",
            $"{id}-{RunFileLinks.AllureArchive}", new DateTimeOffset(modified, TimeSpan.Zero), new EntityTagHeaderValue(AllureArchive.ETag(entries)));
    }

    private static bool IsReport(string name) =>
        Reports.Contains(name, StringComparer.Ordinal)
        || (name.StartsWith("junit/", StringComparison.Ordinal) && name.EndsWith(".xml", StringComparison.Ordinal) && name.Count(c => c == '/') == 1);

    private static async Task<IResult> AnswerAsync(HttpContext http, RunFileLookup lookup, string id, string requested, SqlFarmStore store, bool sandbox, CancellationToken ct)
    {
        switch (lookup.Outcome)
        {
            case RunFileOutcome.Found when lookup.File is { } file:
                http.Response.Headers.XContentTypeOptions = "nosniff";
                // What a cell kept comes from the machines under test: shown, never run in the farm's origin.
                if (sandbox) http.Response.Headers.ContentSecurityPolicy = "sandbox";
                var modified = file.LastWriteTimeUtc;
                // Typed by the name asked for (a link's own name says the type better than its target's).
                return TypedResults.PhysicalFile(file.FullName, RunFileTypes.For(requested),
                    lastModified: new DateTimeOffset(modified, TimeSpan.Zero),
                    entityTag: new EntityTagHeaderValue($"\"{file.Length:x}-{modified.Ticks:x}\""), enableRangeProcessing: true);
            case RunFileOutcome.Refused:
                return Problems.Of(http, StatusCodes.Status400BadRequest, "Bad path", lookup.Detail, lookup.Field);
            case RunFileOutcome.RunMissing when RunPaths.RunIdRefusal(id) is null && await store.GetRunAsync(id, ct) is null:
                return Problems.Of(http, StatusCodes.Status404NotFound, "Not found", $"no run '{RunPaths.Echo(id)}'", "id");
            default:
                return Problems.Of(http, StatusCodes.Status404NotFound, "Not found", lookup.Detail, lookup.Field);
        }
    }
}
