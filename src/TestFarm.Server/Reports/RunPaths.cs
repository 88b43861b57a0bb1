namespace TestFarm.Server.Reports;

/// <summary>
/// The rules a run id or a path inside a run's folder must follow before anything is looked up: no <c>..</c> or <c>.</c>
/// segment, nothing absolute, no empty segment, no backslash, no <c>%</c> (an encoded <c>/</c>, <c>\</c> or NUL that
/// slipped through undecoded), no control character. And how an id or a path is echoed in an answer: at most
/// <see cref="Api.Problems.MaxEcho"/> characters, control characters escaped.
/// </summary>
internal static class RunPaths
{
    /// <summary>The longest path inside a run's folder that is looked up.</summary>
    public const int MaxPath = 1024;

    /// <summary>Why <paramref name="id"/> cannot name a run folder, or null when it can.</summary>
    public static string? RunIdRefusal(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (id.Length == 0) return "is empty";
        if (id.Length > Api.Problems.MaxEcho) return $"is longer than {Api.Problems.MaxEcho} characters";
        if (id.Contains('/', StringComparison.Ordinal)) return "contains '/' (an encoded slash?)";
        return SegmentRefusal(id);
    }

    /// <summary>Why <paramref name="relative"/> cannot name a file inside a run's folder, or null when it can.</summary>
    public static string? PathRefusal(string relative)
    {
        ArgumentNullException.ThrowIfNull(relative);
        if (relative.Length == 0) return "is empty";
        if (relative.Length > MaxPath) return $"is longer than {MaxPath} characters";
        if (relative[0] == '/' || Path.IsPathRooted(relative)) return "is absolute; give a path inside the run's folder";
        foreach (var segment in relative.Split('/'))
        {
            if (segment.Length == 0) return "has an empty segment ('//')";
            if (SegmentRefusal(segment) is { } why) return why;
        }
        return null;
    }

    /// <summary>Why one path segment (or a run id) is refused, or null.</summary>
    public static string? SegmentRefusal(string segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        if (segment is "." or "..") return $"has a '{segment}' segment; paths stay inside the run's folder";
        foreach (var c in segment)
        {
            if (c == '\0') return "contains NUL";
            if (char.IsControl(c)) return $"contains the control character U+{(int)c:X4}";
            if (c == '\\') return "contains a backslash";
            if (c == '%') return "contains '%' (an encoded '/', '\\' or NUL?)";
        }
        return null;
    }

    /// <summary>An id or path as an answer repeats it (bounded, control characters escaped).</summary>
    public static string Echo(string? value) => Api.Problems.Echo(value);
}
