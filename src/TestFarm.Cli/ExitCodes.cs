namespace TestFarm.Cli;

/// <summary>Named exit codes of the <c>testfarm</c> command.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>Input was read and found wrong (validation errors, bad files).</summary>
    public const int InvalidInput = 1;
    /// <summary>A run completed and the product failed in at least one cell (and the farm in none).</summary>
    public const int ProductFailure = 1;
    /// <summary>The command line itself was wrong.</summary>
    public const int Usage = 2;
    /// <summary>The farm itself failed (not a product verdict).</summary>
    public const int FarmFailure = 3;
    /// <summary>A remote system (BMC, cluster, GitHub) could not be reached or read.</summary>
    public const int RemoteFailure = 4;
    /// <summary>A benchmark ran but missed its target.</summary>
    public const int TargetMissed = 5;
}
