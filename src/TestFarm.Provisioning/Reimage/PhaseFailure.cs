using TestFarm.Core.Bmc;
using TestFarm.Core.Provisioning;

namespace TestFarm.Provisioning.Reimage;

/// <summary>A phase failed for good (after its retries): names the phase, the cause and the blamed component.</summary>
public sealed class PhaseFailedException(ProvisioningPhase phase, string message, HealthComponent blamed, Exception? inner = null)
    : Exception($"{phase.Name()}: {message}", inner)
{
    public ProvisioningPhase Phase { get; } = phase;
    public HealthComponent Blamed { get; } = blamed;
    public string Reason { get; } = message;
}

/// <summary>Which failures are worth another attempt.</summary>
public static class Retryable
{
    public static bool Is(Exception e) => e switch
    {
        BmcException b => b.Kind is BmcErrorKind.Unreachable or BmcErrorKind.Timeout
                          || (b.Kind == BmcErrorKind.Remote && (b.HttpStatus is null or >= 500)),
        HttpRequestException or TimeoutException => true,
        _ => false,
    };
}
