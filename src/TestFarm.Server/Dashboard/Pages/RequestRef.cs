using TestFarm.Core.Scheduling;

namespace TestFarm.Server.Dashboard.Pages;

/// <summary>A cell's reservation request id (<c>run/cell</c>, maybe <c>#attempt</c>) as the run and cell it names.</summary>
internal static class RequestRef
{
    public static (string Run, string Cell)? Cell(string requestId)
    {
        var run = ReservationRequest.RunOf(requestId);
        if (run.Length == requestId.Length) return null;
        var cell = requestId[(run.Length + 1)..];
        var hash = cell.IndexOf('#', StringComparison.Ordinal);
        return (run, hash < 0 ? cell : cell[..hash]);
    }

    /// <summary>The request as a link to its cell's page when it names one, else as text.</summary>
    public static Html Link(string requestId) => Cell(requestId) is { } c
        ? HtmlBuilder.Of($"""<a href="{Links.Cell(c.Run, c.Cell)}">{requestId}</a>""")
        : HtmlBuilder.Of($"{requestId}");
}
