using TestFarm.Core.Bmc;

namespace TestFarm.Redfish.Power;

/// <summary>Maps a power intent onto the <c>ResetType</c> values a BMC advertises (HPE has no GracefulShutdown; some Dells no PowerCycle).</summary>
public static class ResetTypes
{
    private static readonly Dictionary<PowerIntent, string[]> Preferences = new()
    {
        [PowerIntent.On] = ["On", "ForceOn"],
        [PowerIntent.ForceOff] = ["ForceOff"],
        [PowerIntent.GracefulOff] = ["GracefulShutdown", "PushPowerButton"],
        [PowerIntent.ForceRestart] = ["ForceRestart", "PowerCycle"],
        [PowerIntent.GracefulRestart] = ["GracefulRestart"],
        [PowerIntent.PowerCycle] = ["PowerCycle", "ForceRestart"],
    };

    /// <summary>The reset type to send, or null when the BMC offers nothing that does what is asked.</summary>
    /// <param name="allowed">The advertised values; empty when the BMC advertises none (then the standard value is tried).</param>
    public static string? Choose(PowerIntent intent, IReadOnlyCollection<string> allowed)
    {
        var wanted = Preferences[intent];
        if (allowed.Count == 0) return wanted[0];
        return wanted.FirstOrDefault(w => allowed.Contains(w, StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>The power state a reset leads to.</summary>
    public static PowerState Target(PowerIntent intent) =>
        intent is PowerIntent.ForceOff or PowerIntent.GracefulOff ? PowerState.Off : PowerState.On;

    public static PowerState ParseState(string? value) => value?.ToUpperInvariant() switch
    {
        "ON" => PowerState.On,
        "OFF" => PowerState.Off,
        "POWERINGON" => PowerState.PoweringOn,
        "POWERINGOFF" => PowerState.PoweringOff,
        _ => PowerState.Unknown,
    };
}
