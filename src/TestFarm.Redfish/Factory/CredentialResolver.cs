using TestFarm.Core.Bmc;
using TestFarm.Core.Pool;
using TestFarm.Redfish.Auth;

namespace TestFarm.Redfish.Factory;

/// <summary>Resolves a <see cref="CredentialReference"/> from the environment or a file; errors name the place, never the secret.</summary>
public static class CredentialResolver
{
    public static RedfishCredentials Resolve(CredentialReference reference, string machineId, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        environment ??= Environment.GetEnvironmentVariable;
        var user = reference.User
            ?? (reference.UserEnv is { } userEnv ? environment(userEnv) ?? throw Missing(machineId, $"env var {userEnv} (user) is not set") : null)
            ?? throw Missing(machineId, "credentials give neither user nor userEnv");
        string password;
        if (reference.PasswordEnv is { } passwordEnv)
        {
            password = environment(passwordEnv) ?? throw Missing(machineId, $"env var {passwordEnv} (password) is not set");
        }
        else if (reference.PasswordFile is { } file)
        {
            try
            {
                password = File.ReadAllText(file).TrimEnd('\r', '\n');
            }
            catch (IOException e)
            {
                throw new BmcException($"machine {machineId}: cannot read password file {file}: {e.Message}", e) { Kind = BmcErrorKind.Unauthorized };
            }
            catch (UnauthorizedAccessException e)
            {
                throw new BmcException($"machine {machineId}: cannot read password file {file}: {e.Message}", e) { Kind = BmcErrorKind.Unauthorized };
            }
        }
        else
        {
            throw Missing(machineId, "credentials give neither passwordEnv nor passwordFile");
        }
        return new RedfishCredentials(user, password, reference.Id);
    }

    private static BmcException Missing(string machineId, string what) =>
        new($"machine {machineId}: {what}") { Kind = BmcErrorKind.Unauthorized };
}
