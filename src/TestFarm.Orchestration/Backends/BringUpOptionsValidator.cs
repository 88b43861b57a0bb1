using Microsoft.Extensions.Options;
using TestFarm.Orchestration.Adapters;

namespace TestFarm.Orchestration.Backends;

/// <summary>Checks <see cref="BringUpOptions"/> at start; each message names the key and the value.</summary>
public sealed class BringUpOptionsValidator : IValidateOptions<BringUpOptions>
{
    public ValidateOptionsResult Validate(string? name, BringUpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.NodesReadyTimeout < TimeSpan.FromSeconds(1))
            errors.Add($"NodesReadyTimeout must be at least 1000ms, was {options.NodesReadyTimeout.TotalMilliseconds:0.###}ms");
        if (options.AddOnReadyTimeout < TimeSpan.FromSeconds(1))
            errors.Add($"AddOnReadyTimeout must be at least 1000ms, was {options.AddOnReadyTimeout.TotalMilliseconds:0.###}ms");
        if (string.IsNullOrWhiteSpace(options.SshUser)) errors.Add($"SshUser must not be empty, was '{options.SshUser}'");
        if (options.AddressRanges is null || options.AddressRanges.Count == 0) errors.Add("AddressRanges must list at least one range, was empty");
        else
        {
            for (var i = 0; i < options.AddressRanges.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(options.AddressRanges[i])) errors.Add($"AddressRanges:{i} must not be empty, was '{options.AddressRanges[i]}'");
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors.Select(e => $"{BringUpOptions.Section}:{e}"));
    }
}
