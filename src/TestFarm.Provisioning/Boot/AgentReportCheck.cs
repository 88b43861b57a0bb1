namespace TestFarm.Provisioning.Boot;

/// <summary>
/// The bounds of an agent's callback body: every field present where required, no nulls where a value is needed,
/// strings and lists capped. Returns the first problem as "field: what is wrong", never echoing the input.
/// </summary>
internal static class AgentReportCheck
{
    /// <summary>The largest callback body read; an agent's hardware report is a few KiB.</summary>
    public const long MaxBodyBytes = 256 * 1024;
    private const int MaxToken = 128;
    private const int MaxText = 256;
    private const int MaxItems = 256;

    public static string? Problem(AgentBootedReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return Token(report.Token, "token")
            ?? Text(report.BuildId, "buildId", required: true)
            ?? List(report.Macs, "macs", (m, f) => Text(m, f, required: true))
            ?? List(report.Nics, "nics", (n, f) => n is null ? $"{f}: must be an object, was null"
                : Text(n.Name, f + ".name", required: true) ?? Text(n.Mac, f + ".mac") ?? Text(n.Driver, f + ".driver"))
            ?? List(report.Disks, "disks", (d, f) => d is null ? $"{f}: must be an object, was null" : Text(d.Name, f + ".name", required: true))
            ?? (report.MemoryKiB is < 0 ? "memoryKiB: must not be negative" : null)
            ?? (report.Cpu is { Count: < 0 } or { Sockets: < 0 } ? "cpu: counts must not be negative" : null);
    }

    public static string? Problem(AgentCleanedReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return Token(report.Token, "token")
            ?? List(report.Wiped, "wiped", (w, f) => Text(w, f, required: true))
            ?? List(report.Failed, "failed", (w, f) => Text(w, f, required: true));
    }

    /// <summary>The report with optional lists left out (or sent as null) made empty, so no reader meets a null.</summary>
    public static AgentBootedReport Normalize(AgentBootedReport report) =>
        report with { Macs = report.Macs ?? [], Nics = report.Nics ?? [], Disks = report.Disks ?? [] };

    public static AgentCleanedReport Normalize(AgentCleanedReport report) =>
        report with { Wiped = report.Wiped ?? [], Failed = report.Failed ?? [] };

    private static string? Token(string? token, string field) =>
        string.IsNullOrEmpty(token) ? $"{field}: the one-time token is required, was {(token is null ? "null" : "empty")}"
        : token.Length > MaxToken ? $"{field}: at most {MaxToken} characters, was {token.Length}"
        : null;

    private static string? Text(string? value, string field, bool required = false) =>
        value is null ? (required ? $"{field}: required, was null" : null)
        : value.Length > MaxText ? $"{field}: at most {MaxText} characters, was {value.Length}"
        : null;

    private static string? List<T>(IReadOnlyList<T>? items, string field, Func<T, string, string?> item)
    {
        if (items is null) return null; // an optional list left out or sent as null is an empty one (see Normalize)
        if (items.Count > MaxItems) return $"{field}: at most {MaxItems} entries, was {items.Count}";
        for (var i = 0; i < items.Count; i++)
        {
            if (item(items[i], $"{field}[{i}]") is { } problem) return problem;
        }
        return null;
    }
}
