using System.Globalization;
using System.Text;
using System.Text.Json;
using TestFarm.Core.Machines;
using TestFarm.Server.Hosting;

namespace TestFarm.Server.Consoles;

/// <summary>
/// The audit of typing into consoles. A session is one person's input to one machine's console under one lease (a new
/// reservation of the machine opens a new session), from their first input until they are idle for <see cref="IdleLimit"/>; opening one appends a <c>console</c> event to the machine's events (who, when, the
/// session and its transcript). Every input is appended to the session's transcript, <c>&lt;data&gt;/consoles/&lt;machine&gt;/&lt;session&gt;.log</c>
/// (one line per input: time, who, the input as a JSON string), at most <see cref="MaxTranscriptBytes"/> per session.
/// </summary>
internal sealed partial class ConsoleSessions(IEventLog events, FarmServerOptions options, TimeProvider time) : IDisposable
{
    public const string EventKind = "console";
    public static readonly TimeSpan IdleLimit = TimeSpan.FromMinutes(15);
    public const int MaxTranscriptBytes = 1024 * 1024;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<(string Machine, string Who), Session> _open = [];

    [System.Text.RegularExpressions.GeneratedRegex("^cs-[0-9]{8}T[0-9]{6}-[0-9a-f]{8}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex SessionId();

    [System.Text.RegularExpressions.GeneratedRegex(@"^console session (?<id>cs-[0-9]{8}T[0-9]{6}-[0-9a-f]{8}) opened by (?<who>.+) \((?<via>[a-z]+)\); transcript ", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex OpenedReason();

    private sealed class Session(string id, string path, string? leaseId)
    {
        public string Id { get; } = id;
        public string Path { get; } = path;
        public string? LeaseId { get; } = leaseId;
        public DateTimeOffset LastInput { get; set; }
        public long Bytes { get; set; }
        public bool Truncated { get; set; }
    }

    /// <summary>The transcript file of a session (relative to the data folder).</summary>
    public static string TranscriptPath(string machineId, string sessionId) => $"consoles/{machineId}/{sessionId}.log";

    /// <summary>The transcript file of a session, under the data folder.</summary>
    public static string TranscriptFile(FarmServerOptions options, string machineId, string sessionId) =>
        Path.Combine(options.DataDirectory ?? Path.GetFullPath("serve-data"), TranscriptPath(machineId, sessionId));

    /// <summary>True for an id this class makes (<c>cs-&lt;utc time&gt;-&lt;8 hex&gt;</c>): nothing else reaches a file path as a session.</summary>
    public static bool IsSessionId(string? id) => id is { Length: <= 40 } && SessionId().IsMatch(id);

    /// <summary>The session id, who and via of a <see cref="EventKind"/> event's reason written by <see cref="RecordAsync"/>; null for any other text.</summary>
    public static (string Id, string Who, string Via)? ParseOpened(string reason)
    {
        var m = OpenedReason().Match(reason);
        return m.Success ? (m.Groups["id"].Value, m.Groups["who"].Value, m.Groups["via"].Value) : null;
    }

    /// <summary>The time of the last input a transcript line records (lines start with it), or null when none does.</summary>
    public static DateTimeOffset? LastInput(IReadOnlyList<string> lines)
    {
        for (var i = lines.Count - 1; i >= 0; i--)
        {
            var line = lines[i];
            if (line.Length > 24 && DateTimeOffset.TryParseExact(line[..24], "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)) return at;
        }
        return null;
    }

    /// <summary>Records <paramref name="input"/> by <paramref name="who"/> (opening a session when none is open); returns the session's id.</summary>
    public async Task<string> RecordAsync(string machineId, string who, string via, string? leaseId, string input, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await _gate.WaitAsync(ct);
        try
        {
            if (!_open.TryGetValue((machineId, who), out var session) || now - session.LastInput > IdleLimit || session.LeaseId != leaseId)
            {
                var id = "cs-" + now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..4]);
                var relative = TranscriptPath(machineId, id);
                session = new Session(id, TranscriptFile(options, machineId, id), leaseId);
                _open[(machineId, who)] = session;
                Directory.CreateDirectory(Path.GetDirectoryName(session.Path)!);
                await events.AppendAsync(new AuditEvent
                {
                    At = now, Kind = EventKind, Subject = machineId, To = "session", LeaseId = leaseId,
                    Reason = $"console session {id} opened by {who} ({via}); transcript {relative}",
                }, ct);
            }
            session.LastInput = now;
            await AppendAsync(session, $"{now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)} {who}: {JsonSerializer.Serialize(input)}\n", ct);
            return session.Id;
        }
        finally { _gate.Release(); }
    }

    public void Dispose() => _gate.Dispose();

    private static async Task AppendAsync(Session session, string line, CancellationToken ct)
    {
        if (session.Truncated) return;
        var bytes = Encoding.UTF8.GetBytes(line);
        if (session.Bytes + bytes.Length > MaxTranscriptBytes)
        {
            bytes = Encoding.UTF8.GetBytes($"(transcript cut at {MaxTranscriptBytes} bytes; later input of this session is not kept)\n");
            session.Truncated = true;
        }
        await using var file = new FileStream(session.Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        await file.WriteAsync(bytes, ct);
        session.Bytes += bytes.Length;
    }
}
