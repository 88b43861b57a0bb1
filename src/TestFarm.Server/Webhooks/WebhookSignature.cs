using System.Security.Cryptography;
using System.Text;

namespace TestFarm.Server.Webhooks;

/// <summary>Verifies <c>X-Hub-Signature-256: sha256=&lt;hex HMAC-SHA256(secret, raw body)&gt;</c> in constant time.</summary>
public static class WebhookSignature
{
    public const string Header = "X-Hub-Signature-256";

    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    public static bool IsValid(string secret, ReadOnlySpan<byte> body, string? header)
    {
        if (string.IsNullOrEmpty(secret) || header is null || !header.StartsWith("sha256=", StringComparison.Ordinal)) return false;
        byte[] given;
        try { given = Convert.FromHexString(header.AsSpan(7)); }
        catch (FormatException) { return false; }
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }
}

/// <summary>Remembers the last N delivery ids (X-GitHub-Delivery) so a redelivery is handled once.</summary>
public sealed class DeliveryLog(int capacity)
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <summary>True the first time <paramref name="deliveryId"/> is seen.</summary>
    public bool TryAdd(string deliveryId)
    {
        lock (_gate)
        {
            if (!_seen.Add(deliveryId)) return false;
            _order.Enqueue(deliveryId);
            while (_order.Count > capacity) _seen.Remove(_order.Dequeue());
            return true;
        }
    }

    /// <summary>Forgets a delivery whose handling failed, so GitHub's redelivery is accepted.</summary>
    public void Forget(string deliveryId)
    {
        lock (_gate) { _seen.Remove(deliveryId); }
    }
}
