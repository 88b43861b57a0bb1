using System.Text.Json;

namespace TestFarm.Server.Webhooks;

/// <summary>
/// What a signed payload must carry before the handler acts on it: the head of a pull request (GitHub sends nulls
/// for a deleted head repository, never for the head itself) and head SHAs that are 40 hex digits, so that no
/// caller-chosen string reaches a run, a status post or a URL.
/// </summary>
internal static class WebhookPayloadCheck
{
    private static readonly HashSet<string> PullRequestActions = new(StringComparer.Ordinal) { "opened", "synchronize", "reopened", "labeled" };

    /// <summary>The first field at fault and why, or null when the payload can be acted on.</summary>
    public static (string Field, string Reason)? Check(string eventName, WebhookPayload payload)
    {
        if (payload.Repository is null) return null; // Ignored by the handler.
        switch (eventName)
        {
            case "pull_request" when PullRequestActions.Contains(payload.Action ?? ""):
                if (payload.PullRequest is not { } pr) return ("pull_request", "is missing");
                if (pr.Head is not { } head) return ("pull_request.head", "is missing");
                return Sha("pull_request.head.sha", head.Sha);
            case "check_run" when payload.Action == "rerequested" && payload.CheckRun is { } run:
                if (run.Name is null) return ("check_run.name", "is missing");
                return Sha("check_run.head_sha", run.HeadSha);
            case "check_suite" when payload.Action == "rerequested" && payload.CheckSuite is { } suite:
                return Sha("check_suite.head_sha", suite.HeadSha);
        }
        return null;
    }

    public static bool IsSha(string? value) => value is { Length: 40 } && value.All(char.IsAsciiHexDigit);

    private static (string, string)? Sha(string field, string? value) => value switch
    {
        null => (field, "is missing"),
        _ when IsSha(value) => null,
        _ => (field, $"must be 40 hex digits, was {Api.Problems.Quote(value)}"),
    };

    /// <summary>
    /// The member a payload lacks (<c>pull_request.head</c>), when <paramref name="e"/> says a required member of
    /// Octokit.Webhooks' types is missing; else null.
    /// </summary>
    public static string? MissingMember(JsonException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        const string marker = "missing required properties including: '";
        var at = e.Message.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0) return null;
        var start = at + marker.Length;
        var end = e.Message.IndexOf('\'', start);
        if (end <= start) return null;
        var parent = (e.Path ?? "$").TrimStart('$').TrimStart('.');
        var name = e.Message[start..end];
        return parent.Length == 0 ? name : $"{parent}.{name}";
    }

    /// <summary>The value a <see cref="FormatException"/> quotes (<c>String '2019-' was not recognized ...</c>), or null.</summary>
    public static string? Unreadable(FormatException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        const string start = "String '", end = "' was not recognized";
        var from = e.Message.IndexOf(start, StringComparison.Ordinal);
        var to = e.Message.LastIndexOf(end, StringComparison.Ordinal);
        return from >= 0 && to > from ? e.Message[(from + start.Length)..to] : null;
    }

    /// <summary>The JSON path of the first string value equal to <paramref name="value"/> (<c>$.repository.created_at</c>), or null.</summary>
    public static string? PathOf(ReadOnlySpan<byte> body, string value)
    {
        var reader = new Utf8JsonReader(body);
        var path = new List<string>();
        string? property = null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName: property = reader.GetString(); break;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        path.Add(property ?? "[]");
                        property = null;
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        if (path.Count > 0) path.RemoveAt(path.Count - 1);
                        break;
                    case JsonTokenType.String when reader.GetString() == value:
                        return "$" + string.Concat(path.Skip(1).Append(property ?? "[]").Select(p => p == "[]" ? "[]" : "." + p));
                    default: property = null; break;
                }
                if (reader.TokenType == JsonTokenType.String) property = null;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
        return null;
    }

    /// <summary>Why the body is not a payload, without .NET type names: the JSON path and position, and what was wrong.</summary>
    public static string Describe(JsonException e)
    {
        var where = $"{TestFarm.Core.Text.Bounded.Text(e.Path ?? "$")} (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})";
        var message = e.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut >= 0) message = message[..cut];
        if (message.Contains("could not be converted", StringComparison.Ordinal)) message = "the value has the wrong type.";
        return $"malformed JSON at {where}: {Api.Problems.Echo(message)}";
    }
}
