namespace TestFarm.Cli.Commands.Nightly;

/// <summary>What <c>testfarm lab nightly</c> was asked for.</summary>
public sealed record LabNightlyOptions
{
    /// <summary>The checkout holding hardware-profiles/, scenarios/ and .tools/.</summary>
    public required string Root { get; init; }
    public string Plan { get; init; } = "nightly";
    /// <summary>Where reports go; <c>./out/&lt;run-id&gt;/</c> when null.</summary>
    public string? Out { get; init; }
    /// <summary>Spare machines per profile on top of what one cell needs.</summary>
    public int SparesPerProfile { get; init; } = 1;
    public string BuildId { get; init; } = "lab-nightly";
    public int MaxParallelCells { get; init; } = 4;
}
