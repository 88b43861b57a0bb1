using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using TestFarm.Provisioning.Boot;
using TestFarm.Redfish.Boot;
using TestFarm.Redfish.Http;
using TestFarm.Redfish.Json;
using TestFarm.Server.Api;
using TestFarm.Server.Webhooks;

namespace TestFarm.Cli.Commands.Fuzz;

/// <summary>
/// What arrives over the wire: GitHub webhook deliveries (first line the event name, the rest the body), BMC replies
/// (read by the lenient Redfish readers, which never throw; an error reply becomes a bounded message naming the URL),
/// <c>POST /api/v1/runs</c> bodies and the agent's <c>booted</c>/<c>cleaned</c> callbacks. Their rejections name a field
/// or a JSON path and never a .NET type name.
/// </summary>
internal static partial class WireFuzzTargets
{
    private static readonly string[] Json =
        ["{", "}", "[", "]", ":", ",", "\"", "null", "true", "1e400", "-0", "\"\\u0000\"", "\"\\ud800\"", "{\"a\":", "\"head\":null", "\"sha\":",
         "\"pull_request\":{}", "\"@odata.id\":", "\"Members\":", "[{}]", "\"token\":null", "\"\":", "//", "/*", "\ufeff"];

    private static readonly Uri BmcUri = new("https://bmc.fuzz.invalid/redfish/v1/Systems/1");

    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new()
        {
            Name = "webhook", Description = "a GitHub webhook delivery: first line the X-GitHub-Event name, then the JSON body",
            DocumentedError = "(field, reason) from WebhookPayloadParser and WebhookPayloadCheck", Dictionary = Json, Nesting = ["[", "{\"a\":"],
            NamesPlace = m => FieldFirst().IsMatch(m) && (!m.StartsWith("body:", StringComparison.Ordinal) || m.Contains(" at $", StringComparison.Ordinal)),
            Run = input =>
            {
                var newline = Array.IndexOf(input, (byte)'\n');
                var eventName = newline < 0 ? "" : Encoding.UTF8.GetString(input, 0, newline).Trim();
                var body = newline < 0 ? input : input[(newline + 1)..];
                var (payload, field, reason) = WebhookPayloadParser.Parse(eventName, body);
                if (reason is not null) return $"{field ?? "body"}: {reason}";
                return WebhookPayloadCheck.Check(eventName, payload!) is { } fault ? $"{fault.Field}: {fault.Reason}" : null;
            },
        },
        new()
        {
            Name = "redfish", Description = "a BMC's reply body, read by the lenient Redfish readers and, as an error reply, into a BmcException",
            DocumentedError = "none: the readers read anything unexpected as absent", Dictionary = Json, Nesting = ["[", "{\"Boot\":", "{\"error\":"],
            NamesPlace = m => m.Contains(BmcUri.AbsoluteUri, StringComparison.Ordinal),
            Run = input =>
            {
                var body = Encoding.UTF8.GetString(input);
                var reply = new RedfishResponse { Method = HttpMethod.Get, Uri = BmcUri, Status = HttpStatusCode.OK, Body = body, ETagHeader = body.Length < 64 ? body : null };
                var json = reply.Json;
                _ = reply.ETag;
                _ = BootOverrideOperations.Read(json);
                _ = json.Members();
                _ = (json.Str("PowerState"), json.Long("ProcessorSummary", "Count"), json.Double("MemorySummary", "TotalSystemMemoryGiB"),
                    json.Link("Processors"), json.Objects("Links", "Chassis"), json.Strings("Actions", "#ComputerSystem.Reset", "ResetType@Redfish.AllowableValues"));
                foreach (var m in json.Objects("Members")) _ = (m.Long("TotalCores"), m.Long("CapacityMiB"), m.Str("MACAddress"), m.Path("Links", "HostInterface"));
                // An error reply: its message is what the farm logs and shows; it must name the URL and stay bounded.
                return RedfishErrors.FromResponse(HttpMethod.Patch, BmcUri, HttpStatusCode.BadRequest, body).Message;
            },
        },
        new()
        {
            Name = "trigger-body", Description = "the body of POST /api/v1/runs ({\"plan\": NAME})",
            DocumentedError = "(problem, field) from TriggerBodyReader, answered as problem+json", Dictionary = Json, Nesting = ["[", "{\"plan\":"],
            NamesPlace = m => FieldFirst().IsMatch(m),
            Run = input => Read(TriggerBodyReader.ReadAsync(new MemoryStream(input), CancellationToken.None)).Problem,
        },
        Agent("agent-booted", "the agent's POST /agent/v1/booted report", s => Read(AgentReportReader.ReadBootedAsync(s, CancellationToken.None)).Problem),
        Agent("agent-cleaned", "the agent's POST /agent/v1/cleaned report", s => Read(AgentReportReader.ReadCleanedAsync(s, CancellationToken.None)).Problem),
    ];

    private static FuzzTarget Agent(string name, string what, Func<Stream, string?> read) => new()
    {
        Name = name, Description = what + " (at most 256 KiB, bounded by the endpoint)", DocumentedError = "the problem from AgentReportReader, answered 400",
        Dictionary = Json, Nesting = ["[", "{\"nics\":[", "{\"a\":"], NamesPlace = m => FieldFirst().IsMatch(m),
        Run = input => read(new MemoryStream(input)),
    };

    /// <summary>Memory streams complete synchronously; the readers are async because the endpoints read request bodies.</summary>
    private static T Read<T>(Task<T> task) => task.GetAwaiter().GetResult();

    /// <summary>A message that starts with the field or JSON path it is about: <c>pull_request.head: is missing</c>, <c>body: ...</c>.</summary>
    [GeneratedRegex(@"^[A-Za-z_$][A-Za-z0-9_.$\[\]@#-]*: ")]
    private static partial Regex FieldFirst();
}
