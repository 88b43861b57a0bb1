using System.ComponentModel.DataAnnotations;
using TestFarm.Core.Configuration;

namespace TestFarm.Orchestration.Runs;

/// <summary>How this farm instance runs the farm's runs.</summary>
public sealed record RunEngineOptions
{
    /// <summary>Plans, suites and profiles the farm knows (already validated).</summary>
    public required ConfigurationSet Configuration { get; init; }
    /// <summary>The farm's data folder: each run's reports and cells' artifacts go to <c>runs/&lt;run-id&gt;/</c> below it.</summary>
    public required string DataDirectory { get; init; }
    /// <summary>This instance's name, in the audit trail of the cells it takes.</summary>
    public required string InstanceName { get; init; }
    /// <summary>Cells this instance runs at once; a cell job finding no free slot comes back after <see cref="SlotRetryDelay"/>.</summary>
    [Range(1, 64)]
    public int MaxParallelCells { get; init; } = 4;
    /// <summary>How often a running cell looks whether its run was cancelled (on any instance).</summary>
    public TimeSpan CancelPollInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>How often a cell's lease is heartbeated while it holds machines.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(20);
    public TimeSpan SlotRetryDelay { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Title of the runs' reports; null: the plan and its trigger.</summary>
    public Func<string, string>? ReportTitle { get; init; }
}
