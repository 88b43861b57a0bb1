using Microsoft.Extensions.Options;

namespace TestFarm.Kubernetes.Client;

/// <summary>Checks <see cref="KubernetesClientOptions"/> at start; each message names the key and the value.</summary>
public sealed class KubernetesClientOptionsValidator : IValidateOptions<KubernetesClientOptions>
{
    public ValidateOptionsResult Validate(string? name, KubernetesClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.RequestTimeout < TimeSpan.FromMilliseconds(100))
            errors.Add($"RequestTimeout must be at least 100ms, was {options.RequestTimeout.TotalMilliseconds:0.###}ms");
        if (options.WatchTimeout < TimeSpan.FromSeconds(1))
            errors.Add($"WatchTimeout must be at least 1000ms, was {options.WatchTimeout.TotalMilliseconds:0.###}ms");
        if (string.IsNullOrWhiteSpace(options.FieldManager)) errors.Add($"FieldManager must not be empty, was '{options.FieldManager}'");
        return errors.Count == 0 ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(errors.Select(e => $"{KubernetesClientOptions.Section}:{e}"));
    }
}
