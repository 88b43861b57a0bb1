namespace TestFarm.Reporting;

/// <summary>
/// Where a farm keeps each run's files under its data folder: <c>runs/&lt;run-id&gt;/</c> holds the reports
/// (<c>report.html</c>, <c>report.md</c>, <c>junit.xml</c>, <c>junit/</c>, <c>allure-results/</c>, <c>run.json</c>, as
/// <see cref="RunReports.RenderAll"/> writes them) and <c>cells/&lt;cell&gt;/</c>, each cell's artifacts. The one place
/// that names these paths: the engine writes there, the server serves from there.
/// </summary>
public sealed class RunFolders
{
    public RunFolders(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        DataDirectory = Path.GetFullPath(dataDirectory);
    }

    /// <summary>The farm's data folder (absolute).</summary>
    public string DataDirectory { get; }

    /// <summary>The folder holding one folder per run.</summary>
    public string Runs => Path.Combine(DataDirectory, "runs");

    /// <summary>One run's folder: its reports, and its cells' artifacts below <c>cells/</c>.</summary>
    public string Run(string runId) => Path.Combine(Runs, RunReports.SafeName(runId));

    /// <summary>One cell's artifacts folder in its run.</summary>
    public string Cell(string runId, string cellId) => Path.Combine(Run(runId), "cells", RunReports.SafeName(cellId));
}
