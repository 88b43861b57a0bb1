using System.Net;
using System.Text.Json;
using TestFarm.Core.Bmc;
using TestFarm.Core.Text;
using TestFarm.Redfish.Json;

namespace TestFarm.Redfish.Http;

/// <summary>One <c>@Message.ExtendedInfo</c> entry.</summary>
public sealed record RedfishMessage(string? MessageId, string? Message, string? Resolution, string? Severity);

/// <summary>What an error body said, read leniently: <c>@Message.ExtendedInfo</c> may be an array or an object.</summary>
public sealed record RedfishErrorInfo
{
    public string? Code { get; init; }
    public string? Message { get; init; }
    public IReadOnlyList<RedfishMessage> ExtendedInfo { get; init; } = [];

    /// <summary>The most specific MessageId: the first extended one, else the code.</summary>
    public string? MessageId => ExtendedInfo.Select(m => m.MessageId).FirstOrDefault(id => id is not null) ?? Code;

    public static RedfishErrorInfo? Parse(string? body)
    {
        if (string.IsNullOrWhiteSpace(body)) return null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            var error = root.Prop("error") ?? root;
            var info = error.Objects("@Message.ExtendedInfo")
                .Concat(root.Prop("error") is null ? [] : root.Objects("@Message.ExtendedInfo"))
                .Select(m => new RedfishMessage(m.Str("MessageId"), m.Str("Message"), m.Str("Resolution"), m.Str("Severity")))
                .ToList();
            return new RedfishErrorInfo { Code = error.Str("code"), Message = error.Str("message"), ExtendedInfo = info };
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

public static class RedfishErrors
{
    private const int MaxMessage = 300;
    private const int MaxDetails = 1000;

    public static BmcException FromResponse(HttpMethod method, Uri uri, HttpStatusCode status, string? body)
    {
        var info = RedfishErrorInfo.Parse(body);
        // What the BMC said is repeated bounded (each message, and the whole), so a reply cannot grow the farm's logs and answers.
        var details = info is null ? "" :
            ": " + Bounded.Text(string.Join("; ", new[] { info.Message }.Concat(info.ExtendedInfo.Select(m => $"{Bounded.Text(m.MessageId, 120)}: {m.Message}"))
                .Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => Bounded.Text(s, MaxMessage)).Distinct(StringComparer.Ordinal)), MaxDetails);
        var kind = status switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => BmcErrorKind.Unauthorized,
            HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented => BmcErrorKind.Unsupported,
            _ => BmcErrorKind.Remote,
        };
        return new BmcException($"{method} {uri} answered {(int)status} {status}{details}", (int)status, info?.MessageId, body, uri)
        {
            Kind = kind,
        };
    }
}
