using System.Security.Cryptography;
using System.Text;
using Octokit.Webhooks;

namespace TestFarm.Server.Webhooks;

/// <summary>
/// <c>X-Hub-Signature-256: sha256=&lt;hex HMAC-SHA256(secret, raw body)&gt;</c>, checked in constant time by
/// Octokit.Webhooks' <see cref="WebhookSignatureValidator"/>. Its <c>MapGitHubWebhooks</c> endpoint is not used: it
/// answers a bad signature with 400 rather than 401, and has no body size cap, delivery-id dedupe or problem details.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "X-Hub-Signature-256";

    /// <summary>The header value for <paramref name="body"/> (what GitHub sends; used by tests and tools).</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>True only for a non-empty secret and a header that signs <paramref name="body"/> with it.</summary>
    public static bool IsValid(string secret, ReadOnlySpan<byte> body, string? header) =>
        !string.IsNullOrEmpty(secret) && !string.IsNullOrEmpty(header)
        && WebhookSignatureValidator.Verify(header, secret, body) == WebhookSignatureValidationResult.Valid;
}
