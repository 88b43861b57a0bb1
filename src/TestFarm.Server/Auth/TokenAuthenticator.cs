using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace TestFarm.Server.Auth;

/// <summary>
/// Finds the token a bearer secret belongs to by its SHA-256, compared in constant time, so the store
/// holds only hashes and a timing side channel tells nothing about them.
/// </summary>
public sealed class TokenAuthenticator(IOptionsMonitor<ApiAuthOptions> options)
{
    public static string Hash(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public ApiToken? Authenticate(string? secret)
    {
        if (string.IsNullOrEmpty(secret)) return null;
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(secret));
        ApiToken? match = null;
        foreach (var token in options.CurrentValue.Tokens)
        {
            // Every token is compared, matched or not, so the time taken does not depend on the position.
            if (TryParse(token.Sha256, out var stored) && CryptographicOperations.FixedTimeEquals(stored, presented)) match = token;
        }
        return match;
    }

    private static bool TryParse(string hex, out byte[] bytes)
    {
        try { bytes = Convert.FromHexString(hex); return bytes.Length == 32; }
        catch (FormatException) { bytes = []; return false; }
    }
}
