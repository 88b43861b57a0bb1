using Microsoft.Extensions.Options;
using TestFarm.Core.Provisioning;

namespace TestFarm.Provisioning;

/// <summary>Checks <see cref="ProvisioningPolicy"/> at start; each message names the key and the value.</summary>
public sealed class ProvisioningPolicyValidator : IValidateOptions<ProvisioningPolicy>
{
    public ValidateOptionsResult Validate(string? name, ProvisioningPolicy options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        foreach (var (key, phase) in new[]
                 {
                     ("PowerOff", options.PowerOff), ("OverrideSet", options.OverrideSet), ("Post", options.Post),
                     ("NetworkBoot", options.NetworkBoot), ("AgentCallback", options.AgentCallback), ("Wipe", options.Wipe),
                 })
        {
            if (phase is null) { errors.Add($"{key} must be set"); continue; }
            if (phase.Deadline < TimeSpan.FromMilliseconds(100)) errors.Add($"{key}:Deadline must be at least 100ms, was {Ms(phase.Deadline)}");
            if (phase.Retries is < 0 or > 10) errors.Add($"{key}:Retries must be 0 to 10, was {phase.Retries}");
            if (phase.Backoff < TimeSpan.Zero) errors.Add($"{key}:Backoff must not be negative, was {Ms(phase.Backoff)}");
        }
        if (options.TokenLifetime < TimeSpan.FromSeconds(1)) errors.Add($"TokenLifetime must be at least 1000ms, was {Ms(options.TokenLifetime)}");
        if (options.HeartbeatInterval < TimeSpan.FromMilliseconds(100)) errors.Add($"HeartbeatInterval must be at least 100ms, was {Ms(options.HeartbeatInterval)}");
        if (options.AgentSilence < TimeSpan.FromMilliseconds(100)) errors.Add($"AgentSilence must be at least 100ms, was {Ms(options.AgentSilence)}");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors.Select(e => $"{ProvisioningPolicy.Section}:{e}"));
    }

    private static string Ms(TimeSpan value) => $"{value.TotalMilliseconds:0.###}ms";
}
