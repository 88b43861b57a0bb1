namespace TestFarm.Redfish.Auth;

/// <summary>A resolved user and password. <see cref="ToString"/> never shows the password.</summary>
public sealed record RedfishCredentials(string User, string Password, string CredentialId)
{
    public override string ToString() => $"{User} ({CredentialId})";
}
