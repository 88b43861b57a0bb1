using System.Security.Cryptography;
using System.Text;
using TestFarm.Core.Hardware;
using TestFarm.Core.Provisioning;

namespace TestFarm.Provisioning.Boot;

/// <summary>
/// One machine's pending boot: a single-use token that names the image, expires, and completes when
/// the machine fetches its script (network boot reached) and when its agent calls back.
/// </summary>
public sealed class BootTicket
{
    private readonly TaskCompletionSource _fetched = new();
    private readonly TaskCompletionSource<AgentBootedReport> _booted = new();

    internal BootTicket(string token, string machineId, string mac, BootImage image, BootMethod method, DateTimeOffset expiresAt,
        string? expectedCaller = null)
    {
        ExpectedCaller = expectedCaller;
        Token = token;
        MachineId = machineId;
        Mac = mac;
        Image = image;
        Method = method;
        ExpiresAt = expiresAt;
        TokenId = IdOf(token);
    }

    public string Token { get; }
    /// <summary>A printable id for logs (a digest prefix), never the token itself.</summary>
    public string TokenId { get; }
    public string MachineId { get; }
    public string Mac { get; }
    public BootImage Image { get; }
    public BootMethod Method { get; }
    public DateTimeOffset ExpiresAt { get; }
    /// <summary>
    /// The address the machine's requests come from, when the provisioning network gives each machine its own
    /// (DHCP reservation); null where it does not (QEMU user networking: every guest comes from one host address).
    /// </summary>
    public string? ExpectedCaller { get; }
    public bool Consumed { get; private set; }
    public bool Revoked { get; private set; }

    /// <summary>Completes when the machine first fetches its iPXE script or an artifact.</summary>
    public Task Fetched => _fetched.Task;
    /// <summary>Completes with the agent's report when it calls back with this token.</summary>
    public Task<AgentBootedReport> Booted => _booted.Task;

    internal void MarkFetched() => _fetched.TrySetResult();

    internal void Consume(AgentBootedReport report)
    {
        Consumed = true;
        _fetched.TrySetResult();
        _booted.TrySetResult(report);
    }

    internal void Revoke()
    {
        Revoked = true;
        _booted.TrySetCanceled();
    }

    internal static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    public static string IdOf(string token) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)))[..10];
}

/// <summary>How a callback's token was judged. <see cref="Foreign"/>: a real token presented by the wrong machine or caller.</summary>
public enum TokenCheck { Accepted, Unknown, Replayed, Expired, Revoked, Foreign }
