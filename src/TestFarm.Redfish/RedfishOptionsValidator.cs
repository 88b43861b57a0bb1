using Microsoft.Extensions.Options;

namespace TestFarm.Redfish;

/// <summary>Checks <see cref="RedfishOptions"/> at start; each message names the key and the value.</summary>
public sealed class RedfishOptionsValidator : IValidateOptions<RedfishOptions>
{
    public ValidateOptionsResult Validate(string? name, RedfishOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.RequestTimeout <= TimeSpan.Zero) errors.Add($"RequestTimeout must be positive, was {Ms(options.RequestTimeout)}");
        if (options.MaxRetries is < 0 or > 10) errors.Add($"MaxRetries must be 0 to 10, was {options.MaxRetries}");
        if (options.RetryDelay < TimeSpan.Zero) errors.Add($"RetryDelay must not be negative, was {Ms(options.RetryDelay)}");
        if (options.MaxConcurrencyPerBmc is < 1 or > 64) errors.Add($"MaxConcurrencyPerBmc must be 1 to 64, was {options.MaxConcurrencyPerBmc}");
        if (options.PollInterval < TimeSpan.FromMilliseconds(50)) errors.Add($"PollInterval must be at least 50ms, was {Ms(options.PollInterval)}");
        if (options.TaskDeadline < options.PollInterval)
            errors.Add($"TaskDeadline must be at least PollInterval ({Ms(options.PollInterval)}), was {Ms(options.TaskDeadline)}");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors.Select(e => $"{RedfishOptions.Section}:{e}"));
    }

    private static string Ms(TimeSpan value) => $"{value.TotalMilliseconds:0.###}ms";
}
