using TestFarm.Core.Machines;
using TestFarm.Server.Auth;

namespace TestFarm.Server.Consoles;

/// <summary>Who may type into a machine's console and switch its power: the holder of a Ready reservation on it, or an operator.</summary>
internal static class MachineWriteAccess
{
    /// <summary>Null when <paramref name="token"/> may write to <paramref name="machineId"/>; otherwise why not.</summary>
    public static async ValueTask<string?> RefusalAsync(ApiToken? token, string machineId, IMachineHolders holders, CancellationToken ct)
    {
        if (token is null) return "no token";
        if (token.Role >= ApiRole.Operator || await holders.HoldsAsync(machineId, token.Name, ct)) return null;
        return $"token '{token.Name}' has role {token.Role} and holds no Ready reservation of machine {machineId}; this needs the holder or an Operator";
    }
}
