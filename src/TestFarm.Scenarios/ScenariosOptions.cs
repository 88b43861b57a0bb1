using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace TestFarm.Scenarios;

/// <summary>How suites reach a cell's cluster from the farm (configuration section <c>Scenarios</c>).</summary>
public sealed record ScenariosOptions
{
    public const string Section = "Scenarios";

    /// <summary>Timeout of one probe or check request to a cluster's service (a VIP, an HTTP endpoint). Default 10 s; 100 ms to 10 min.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Seed of the chaos steps' random choices, so a run can be repeated. Default 1.</summary>
    public int RandomSeed { get; set; } = 1;
}

/// <summary>Checks <see cref="ScenariosOptions"/> at start; each message names the key and the value.</summary>
public sealed class ScenariosOptionsValidator : IValidateOptions<ScenariosOptions>
{
    public ValidateOptionsResult Validate(string? name, ScenariosOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.ProbeTimeout < TimeSpan.FromMilliseconds(100) || options.ProbeTimeout > TimeSpan.FromMinutes(10)
            ? ValidateOptionsResult.Fail($"{ScenariosOptions.Section}:ProbeTimeout must be 100ms to 10min, was {options.ProbeTimeout.TotalMilliseconds:0.###}ms")
            : ValidateOptionsResult.Success;
    }
}
