using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace TestFarm.Reporting;

/// <summary>Where the farm's run reports live (configuration section <c>Reporting</c>).</summary>
public sealed record ReportingOptions
{
    public const string Section = "Reporting";

    /// <summary>The farm's data folder: <see cref="RunFolders"/> keeps each run's reports and artifacts below it. Default <c>serve-data</c>.</summary>
    [Required]
    public string DataDirectory { get; set; } = "serve-data";
}

/// <summary>Checks <see cref="ReportingOptions"/> at start; each message names the key and the value.</summary>
public sealed class ReportingOptionsValidator : IValidateOptions<ReportingOptions>
{
    public ValidateOptionsResult Validate(string? name, ReportingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
            return ValidateOptionsResult.Fail($"{ReportingOptions.Section}:DataDirectory must name a folder, was '{options.DataDirectory}'");
        return options.DataDirectory.IndexOfAny(Path.GetInvalidPathChars()) >= 0
            ? ValidateOptionsResult.Fail($"{ReportingOptions.Section}:DataDirectory must be a valid path, was '{Bounded(options.DataDirectory)}'")
            : ValidateOptionsResult.Success;
    }

    private static string Bounded(string value) => value.Length <= 200 ? value.Replace("\0", "\\0", StringComparison.Ordinal) : value[..200].Replace("\0", "\\0", StringComparison.Ordinal) + "…";
}
