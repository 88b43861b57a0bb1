using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.Hardware;
using TestFarm.Core.Provisioning;

namespace TestFarm.Provisioning.Boot;

/// <summary>
/// The boot service's memory: pending boot tickets by token and by MAC, agent sessions of booted
/// machines, and their pending actions (wipe). Thread-safe; shared by the HTTP endpoints and the
/// reimage and cleaning pipelines.
/// </summary>
public sealed partial class BootSessions(TimeProvider time, ILogger<BootSessions>? logger = null)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, BootTicket> _tickets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AgentSession> _sessionsById = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AgentSession> _sessionsByMachine = new(StringComparer.Ordinal);
    private readonly ILogger _log = logger ?? NullLogger<BootSessions>.Instance;

    public TimeProvider Time => time;

    /// <summary>Raised (outside the lock) when an action is queued for a machine's agent.</summary>
    public event Action<string, AgentAction>? ActionQueued;

    /// <summary>Issues a fresh single-use token for one boot of <paramref name="machineId"/>; older pending tickets of the machine are revoked.</summary>
    public BootTicket Issue(string machineId, string mac, BootImage image, BootMethod method, TimeSpan lifetime) =>
        Issue(machineId, mac, image, method, lifetime, expectedCaller: null);

    /// <summary>
    /// As above, bound to the address the machine calls from (<paramref name="expectedCaller"/>, when the network
    /// gives one): the MAC-keyed script and the booted callback are refused to any other caller.
    /// </summary>
    public BootTicket Issue(string machineId, string mac, BootImage image, BootMethod method, TimeSpan lifetime, string? expectedCaller)
    {
        var ticket = new BootTicket(BootTicket.NewToken(), machineId, NormalizeMac(mac), image, method, time.GetUtcNow() + lifetime,
            NormalizeAddress(expectedCaller));
        lock (_gate)
        {
            foreach (var old in _tickets.Values.Where(t => t.MachineId == machineId && !t.Consumed && !t.Revoked).ToList())
                old.Revoke();
            Prune();
            _tickets[ticket.Token] = ticket;
        }
        Log.TicketIssued(_log, machineId, ticket.TokenId, image.BuildId, method);
        return ticket;
    }

    /// <summary>The ticket a token names, if it is still usable for fetching; marks the network boot reached.</summary>
    public BootTicket? ForFetch(string token)
    {
        lock (_gate)
        {
            if (!_tickets.TryGetValue(token, out var t) || t.Consumed || t.Revoked || t.ExpiresAt <= time.GetUtcNow()) return null;
            t.MarkFetched();
            return t;
        }
    }

    /// <summary>The pending ticket of the machine with this MAC (newest first); marks the network boot reached.</summary>
    public BootTicket? PendingForMac(string mac) => PendingForMac(mac, caller: null).Ticket;

    /// <summary>
    /// The pending ticket of the machine with this MAC for <paramref name="caller"/>: null when there is none; refused
    /// (<c>Foreign</c>, and an audit entry naming the machine and the caller) when the ticket expects another address.
    /// </summary>
    public (BootTicket? Ticket, bool Foreign) PendingForMac(string mac, string? caller)
    {
        BootTicket? pending;
        lock (_gate) { pending = Newest(NormalizeMac(mac)); }
        if (pending?.ExpectedCaller is { } expected && expected != NormalizeAddress(caller))
        {
            Log.BootRefused(_log, "script by MAC", pending.MachineId, pending.Mac, caller ?? "(unknown)", $"expected caller {expected}");
            return (null, true);
        }
        pending?.MarkFetched();
        return (pending, false);
    }

    private BootTicket? Newest(string key) => _tickets.Values
        .Where(t => t.Mac == key && !t.Consumed && !t.Revoked && t.ExpiresAt > time.GetUtcNow())
        .MaxBy(t => t.ExpiresAt);

    /// <summary>Judges a booted callback; on acceptance the ticket is consumed and an agent session opened.</summary>
    public (TokenCheck Check, AgentSession? Session) AcceptBooted(AgentBootedReport report, string? remote)
    {
        ArgumentNullException.ThrowIfNull(report);
        BootTicket? ticket;
        TokenCheck check;
        AgentSession? session = null;
        lock (_gate)
        {
            _tickets.TryGetValue(report.Token, out ticket);
            check = ticket switch
            {
                null => TokenCheck.Unknown,
                { Consumed: true } => TokenCheck.Replayed,
                { Revoked: true } => TokenCheck.Revoked,
                _ when ticket.ExpiresAt <= time.GetUtcNow() => TokenCheck.Expired,
                _ when !report.Macs.Concat(report.Nics.Select(n => n.Mac)).Any(m => m is not null && NormalizeMac(m) == ticket.Mac) => TokenCheck.Foreign,
                { ExpectedCaller: { } expected } when expected != NormalizeAddress(remote) => TokenCheck.Foreign,
                _ => TokenCheck.Accepted,
            };
            if (check == TokenCheck.Accepted)
            {
                session = new AgentSession(BootTicket.NewToken(), ticket!.MachineId) { LastSeen = time.GetUtcNow() };
                if (_sessionsByMachine.Remove(ticket.MachineId, out var old)) _sessionsById.Remove(old.Id);
                _sessionsById[session.Id] = session;
                _sessionsByMachine[ticket.MachineId] = session;
            }
        }
        if (check == TokenCheck.Accepted)
        {
            Log.AgentBooted(_log, ticket!.MachineId, ticket.TokenId, report.BuildId, remote);
            ticket.Consume(report);
        }
        else if (check == TokenCheck.Foreign)
        {
            // A live token from the wrong machine: refused, left usable for the machine it was issued to, and audited.
            Log.BootRefused(_log, "booted callback", ticket!.MachineId, ticket.Mac, remote ?? "(unknown)",
                ticket.ExpectedCaller is { } e && e != NormalizeAddress(remote)
                    ? $"expected caller {e}" : $"reported MACs do not include {ticket.Mac}");
        }
        else
        {
            Log.CallbackRefused(_log, "booted", check, BootTicket.IdOf(report.Token), ticket?.MachineId, remote);
        }
        return (check, session);
    }

    /// <summary>Revokes a pending ticket (the pipeline gave up or finished); further use is refused.</summary>
    public void Revoke(BootTicket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        lock (_gate) { if (!ticket.Consumed) ticket.Revoke(); }
    }

    /// <summary>The live agent session of a machine, if its agent booted and was not closed since.</summary>
    public AgentSession? SessionOf(string machineId)
    {
        lock (_gate) { return _sessionsByMachine.GetValueOrDefault(machineId); }
    }

    public AgentSession? Session(string sessionId)
    {
        lock (_gate) { return _sessionsById.GetValueOrDefault(sessionId); }
    }

    /// <summary>An agent's poll for its next action: marks the session as seen now.</summary>
    public AgentSession? Poll(string sessionId)
    {
        lock (_gate)
        {
            var session = _sessionsById.GetValueOrDefault(sessionId);
            session?.LastSeen = time.GetUtcNow();
            return session;
        }
    }

    /// <summary>
    /// The machine's agent session if its agent was heard from within <paramref name="silence"/>; a session
    /// whose agent fell silent (the machine rebooted into its disk, or hangs) is closed and null returned.
    /// </summary>
    public AgentSession? LiveSessionOf(string machineId, TimeSpan silence)
    {
        AgentSession? stale;
        lock (_gate)
        {
            var session = _sessionsByMachine.GetValueOrDefault(machineId);
            if (session is null || time.GetUtcNow() - session.LastSeen <= silence) return session;
            stale = session;
        }
        Log.AgentSilent(_log, machineId, (time.GetUtcNow() - stale.LastSeen).TotalSeconds);
        CloseSession(machineId);
        return null;
    }

    /// <summary>Queues a wipe for the machine's agent; the task completes when it reports cleaned.</summary>
    public AgentAction? RequestWipe(string machineId, TimeSpan lifetime)
    {
        AgentAction action;
        lock (_gate)
        {
            var session = _sessionsByMachine.GetValueOrDefault(machineId);
            if (session is null) return null;
            action = new AgentAction(BootTicket.NewToken(), "wipe", time.GetUtcNow() + lifetime);
            session.Pending = action;
        }
        ActionQueued?.Invoke(machineId, action);
        return action;
    }

    /// <summary>
    /// Asks the machine's resident agent to fetch the image of its pending ticket, write it and kexec it (fast track):
    /// the agent reads <c>kexec TOKEN</c>, fetches its script by MAC (the ticket's network boot) and the kexec'd
    /// kernel calls back with the ticket's token. Null when no agent session is open.
    /// </summary>
    public AgentAction? RequestKexec(string machineId, TimeSpan lifetime)
    {
        AgentAction action;
        lock (_gate)
        {
            var session = _sessionsByMachine.GetValueOrDefault(machineId);
            if (session is null) return null;
            action = new AgentAction(BootTicket.NewToken(), "kexec", time.GetUtcNow() + lifetime);
            session.Pending = action;
        }
        ActionQueued?.Invoke(machineId, action);
        return action;
    }

    /// <summary>
    /// Judges an action's report (<c>/agent/v1/cleaned</c>) against the session's pending action: a wipe's result, or a
    /// kexec the agent could not do (its reasons in <c>failed</c>).
    /// </summary>
    public TokenCheck AcceptCleaned(AgentCleanedReport report, string? remote)
    {
        ArgumentNullException.ThrowIfNull(report);
        AgentSession? owner;
        AgentAction? completed = null;
        TokenCheck check;
        lock (_gate)
        {
            owner = _sessionsById.Values.FirstOrDefault(s => s.Pending?.Token == report.Token || s.Done.Contains(report.Token));
            check = owner switch
            {
                null => TokenCheck.Unknown,
                _ when owner.Done.Contains(report.Token) => TokenCheck.Replayed,
                _ when owner.Pending!.ExpiresAt <= time.GetUtcNow() => TokenCheck.Expired,
                _ => TokenCheck.Accepted,
            };
            if (check == TokenCheck.Accepted)
            {
                owner!.Done.Add(report.Token);
                completed = owner.Pending;
                owner.Pending = null;
            }
        }
        // Completed outside the lock and after Pending is cleared: whoever waits may queue the next action at once
        // (fast track queues the kexec right after the wipe), and that one must not be cleared here.
        completed?.Complete(report);
        if (check == TokenCheck.Accepted) Log.AgentCleaned(_log, owner!.MachineId, report.Wiped.Count, report.Failed.Count, remote);
        else Log.CallbackRefused(_log, "cleaned", check, BootTicket.IdOf(report.Token), owner?.MachineId, remote);
        return check;
    }

    /// <summary>Forgets the machine's agent session (powered off or released).</summary>
    public void CloseSession(string machineId)
    {
        lock (_gate)
        {
            if (_sessionsByMachine.Remove(machineId, out var s))
            {
                _sessionsById.Remove(s.Id);
                s.Pending?.Cancel();
            }
        }
    }

    /// <summary>Pending, unconsumed tickets: for leak checks.</summary>
    public int PendingCount
    {
        get { lock (_gate) { return _tickets.Values.Count(t => !t.Consumed && !t.Revoked && t.ExpiresAt > time.GetUtcNow()); } }
    }

    private void Prune()
    {
        // Consumed tickets stay a while so replays are told apart from foreign tokens.
        var horizon = time.GetUtcNow() - TimeSpan.FromDays(1);
        foreach (var dead in _tickets.Values.Where(t => t.ExpiresAt < horizon).Select(t => t.Token).ToList())
            _tickets.Remove(dead);
    }

    public static string NormalizeMac(string mac) => mac.Trim().Replace('-', ':').ToLowerInvariant();

    /// <summary>An address as compared: IPv4-mapped IPv6 (<c>::ffff:10.0.0.5</c>) as plain IPv4; null stays null.</summary>
    public static string? NormalizeAddress(string? address) =>
        address is null ? null
        : System.Net.IPAddress.TryParse(address.Trim(), out var ip) ? (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString()
        : address.Trim();
}

/// <summary>A booted agent's session: it polls for actions with the session id.</summary>
public sealed class AgentSession(string id, string machineId)
{
    public string Id { get; } = id;
    public string MachineId { get; } = machineId;
    internal AgentAction? Pending { get; set; }
    /// <summary>When the agent last called back or polled.</summary>
    public DateTimeOffset LastSeen { get; internal set; }
    internal HashSet<string> Done { get; } = new(StringComparer.Ordinal);

    /// <summary>The line the agent reads: <c>none</c>, <c>wipe TOKEN</c> or <c>kexec TOKEN</c>.</summary>
    public string NextActionLine(DateTimeOffset now) =>
        Pending is { } a && a.ExpiresAt > now ? $"{a.Kind} {a.Token}" : "none";
}

/// <summary>An action queued for an agent, completed by its callback.</summary>
public sealed class AgentAction(string token, string kind, DateTimeOffset expiresAt)
{
    private readonly TaskCompletionSource<AgentCleanedReport> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public string Token { get; } = token;
    public string Kind { get; } = kind;
    public DateTimeOffset ExpiresAt { get; } = expiresAt;
    public Task<AgentCleanedReport> Completed => _done.Task;
    internal void Complete(AgentCleanedReport report) => _done.TrySetResult(report);
    internal void Cancel() => _done.TrySetCanceled();
}
