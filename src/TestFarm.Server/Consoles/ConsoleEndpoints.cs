using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using TestFarm.Core.Machines;
using TestFarm.Server.Api;
using TestFarm.Server.Auth;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Consoles;

/// <summary>
/// <c>/api/v1/machines/{id}/console</c> (recent output, <c>?tail=</c> lines), <c>.../console/stream</c> (server-sent events:
/// the recent output, then each chunk as it comes), <c>POST .../console</c> (input, for the holder or an operator) and
/// <c>POST .../power</c> (through the BMC, for the holder or an operator).
/// </summary>
public static class ConsoleEndpoints
{
    public const int DefaultTail = 200;
    public const int MaxTail = 5000;
    /// <summary>The most characters of output one read returns.</summary>
    public const int MaxOutputChars = 256 * 1024;
    /// <summary>The longest input one request sends to a console.</summary>
    public const int MaxInputChars = 4096;
    /// <summary>The largest request body these endpoints read (a larger one is refused with 413).</summary>
    public const long MaxBody = 64 * 1024;
    /// <summary>A follow stream lasts at most this long; the page's EventSource reconnects.</summary>
    public static readonly TimeSpan MaxStream = TimeSpan.FromMinutes(30);

    public static void MapConsoleEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapGet("/machines/{id}/console", ReadAsync).RequireRole(ApiRole.Viewer).WithName("ReadMachineConsole")
            .WithSummary("The serial console's recent output as text (?tail=1..5000 lines, default 200; at most 256 KiB)")
            .Produces<string>(StatusCodes.Status200OK, "text/plain").ProducesProblem(StatusCodes.Status501NotImplemented);
        api.MapGet("/machines/{id}/console/stream", FollowAsync).RequireRole(ApiRole.Viewer).WithName("FollowMachineConsole")
            .WithSummary("The serial console as server-sent events: 'output' events ({\"text\": ...}), the recent output first (?tail= lines), then each chunk as it comes")
            .Produces<ConsoleChunk>(StatusCodes.Status200OK, "text/event-stream").ProducesProblem(StatusCodes.Status501NotImplemented);
        api.MapPost("/machines/{id}/console", WriteAsync).RequireRole(ApiRole.Viewer).WithName("WriteMachineConsole")
            .WithSummary("Type into the serial console: {\"input\": \"uname -a\\n\"} (at most 4096 characters); the holder of the machine's reservation or an operator")
            .Accepts<ConsoleInputBody>("application/json").Produces<ConsoleInputView>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status501NotImplemented);
        api.MapPost("/machines/{id}/power", PowerAsync).RequireRole(ApiRole.Viewer).WithName("PowerMachine")
            .WithSummary("A power action through the machine's BMC: {\"action\": \"On\" | \"ForceOff\" | \"ForceRestart\" | \"PxeOnce\"}; the holder of the machine's reservation or an operator")
            .Accepts<PowerBody>("application/json").Produces<PowerView>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status501NotImplemented).ProducesProblem(StatusCodes.Status502BadGateway).ProducesProblem(StatusCodes.Status504GatewayTimeout);
    }

    private static async Task<IResult> ReadAsync(string id, HttpContext http, SqlFarmStore store, IMachineConsoles consoles, CancellationToken ct, string? tail = null)
    {
        if (ParseTail(http, tail, out var lines) is { } bad) return bad;
        if (await FindAsync(http, store, id, ct) is (null, var notFound)) return notFound!;
        var lookup = consoles.Find(id);
        if (lookup.Console is null) return NoConsole(http, lookup);
        http.Response.Headers.CacheControl = "no-store";
        return Results.Text(LastLines(lookup.Console.Recent(MaxOutputChars), lines), "text/plain; charset=utf-8", Encoding.UTF8);
    }

    private static async Task<IResult> FollowAsync(string id, HttpContext http, SqlFarmStore store, IMachineConsoles consoles, TimeProvider time, CancellationToken ct, string? tail = null)
    {
        if (ParseTail(http, tail, out var lines) is { } bad) return bad;
        if (await FindAsync(http, store, id, ct) is (null, var notFound)) return notFound!;
        var lookup = consoles.Find(id);
        if (lookup.Console is null) return NoConsole(http, lookup);
        http.Response.Headers.CacheControl = "no-store";
        var stop = new CancellationTokenSource(MaxStream, time);
        var linked = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, ct);
        var follow = lookup.Console.Follow(MaxOutputChars, linked.Token);
        return TypedResults.ServerSentEvents(StreamAsync(LastLines(follow.Recent, lines), follow.Output, [stop, linked], linked.Token));
    }

    private static async IAsyncEnumerable<SseItem<ConsoleChunk>> StreamAsync(string recent, IAsyncEnumerable<string> output, CancellationTokenSource[] owned,
        [EnumeratorCancellation] CancellationToken ct)
    {
        try
        {
            yield return new SseItem<ConsoleChunk>(new ConsoleChunk(recent), "output");
            var chunks = output.GetAsyncEnumerator(ct);
            await using (chunks)
            {
                while (true)
                {
                    bool more;
                    try { more = await chunks.MoveNextAsync(); }
                    catch (OperationCanceledException) { yield break; }
                    if (!more) yield break;
                    yield return new SseItem<ConsoleChunk>(new ConsoleChunk(chunks.Current), "output");
                }
            }
        }
        finally
        {
            foreach (var source in owned) source.Dispose();
        }
    }

    private static async Task<IResult> WriteAsync(string id, HttpContext http, SqlFarmStore store, IMachineConsoles consoles, IMachineHolders holders,
        ConsoleSessions sessions, CancellationToken ct)
    {
        if (await FindAsync(http, store, id, ct) is not (MachineRecord machine, _)) return Problems.NotFound(http, $"no machine {Problems.Quote(id)} in the pool");
        var token = http.Items[RoleRequirement.TokenItem] as ApiToken;
        if (await MachineWriteAccess.RefusalAsync(token, id, holders, ct) is { } refusal) return Problems.Of(http, StatusCodes.Status403Forbidden, "Forbidden", refusal);
        var (body, problem) = await ReadBodyAsync<ConsoleInputBody>(http, ct);
        if (problem is not null) return problem;
        var outcome = await SendAsync(machine, body?.Input, token!.Name, "api", consoles, sessions, ct);
        return outcome.Session is { } session
            ? Results.Accepted($"/api/v1/machines/{Uri.EscapeDataString(id)}/console", new ConsoleInputView(id, session, outcome.Bytes))
            : Problems.Of(http, outcome.Status, outcome.Title, outcome.Detail, outcome.Field);
    }

    /// <summary>What sending input came to: the session it was recorded in, or why it was refused.</summary>
    internal sealed record InputOutcome(string? Session, int Bytes, int Status, string Title, string Detail, string? Field = null);

    /// <summary>Checks the input, sends it to the machine's console and records it in the sender's session: the one path of the API and the page.</summary>
    internal static async Task<InputOutcome> SendAsync(MachineRecord machine, string? input, string who, string via, IMachineConsoles consoles, ConsoleSessions sessions, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(input))
            return new(null, 0, StatusCodes.Status400BadRequest, "Missing input", "input: give the text to type, e.g. {\"input\": \"uname -a\\n\"}", "input");
        if (input.Length > MaxInputChars)
            return new(null, 0, StatusCodes.Status400BadRequest, "Input too long", $"input: at most {MaxInputChars} characters, was {input.Length}", "input");
        var lookup = consoles.Find(machine.Id);
        if (lookup.Console is null) return new(null, 0, StatusCodes.Status501NotImplemented, "No console", lookup.Unsupported ?? $"machine {machine.Id} has no console");
        var bytes = Encoding.UTF8.GetBytes(input);
        try
        {
            await lookup.Console.WriteAsync(bytes, ct);
        }
        catch (ConsoleUnavailableException ex)
        {
            return new(null, 0, StatusCodes.Status409Conflict, "Console unavailable", ex.Message);
        }
        var session = await sessions.RecordAsync(machine.Id, who, via, machine.LeaseId, input, ct);
        return new(session, bytes.Length, StatusCodes.Status202Accepted, "Accepted", "");
    }

    private static async Task<IResult> PowerAsync(string id, HttpContext http, SqlFarmStore store, IMachineHolders holders, MachinePower power, CancellationToken ct)
    {
        if (await FindAsync(http, store, id, ct) is not (MachineRecord machine, _)) return Problems.NotFound(http, $"no machine {Problems.Quote(id)} in the pool");
        var token = http.Items[RoleRequirement.TokenItem] as ApiToken;
        if (await MachineWriteAccess.RefusalAsync(token, id, holders, ct) is { } refusal) return Problems.Of(http, StatusCodes.Status403Forbidden, "Forbidden", refusal);
        var (body, problem) = await ReadBodyAsync<PowerBody>(http, ct);
        if (problem is not null) return problem;
        if (MachinePower.Parse(body?.Action) is not { } action)
            return Problems.Of(http, StatusCodes.Status400BadRequest, "Bad action",
                $"action: expected one of {string.Join(", ", MachinePower.Actions)}, was {Problems.Quote(body?.Action)}", "action");
        var outcome = await power.ApplyAsync(machine, action, token!.Name, ct);
        return outcome.Succeeded ? Results.Ok(new PowerView(id, action, outcome.PowerState!, outcome.Detail))
            : Problems.Of(http, outcome.Status, outcome.Title, outcome.Detail, outcome.Field);
    }

    private static async Task<(MachineRecord? Machine, IResult? NotFound)> FindAsync(HttpContext http, SqlFarmStore store, string id, CancellationToken ct) =>
        (await store.ListMachinesAsync(ct)).FirstOrDefault(m => m.Id == id) is { } machine
            ? (machine, null) : (null, Problems.NotFound(http, $"no machine {Problems.Quote(id)} in the pool"));

    private static IResult NoConsole(HttpContext http, ConsoleLookup lookup) =>
        Problems.Of(http, StatusCodes.Status501NotImplemented, "No console", lookup.Unsupported ?? "this machine has no console");

    private static IResult? ParseTail(HttpContext http, string? tail, out int lines)
    {
        lines = DefaultTail;
        if (tail is null) return null;
        if (int.TryParse(tail, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out lines) && lines is >= 1 and <= MaxTail) return null;
        return Problems.Of(http, StatusCodes.Status400BadRequest, "Bad query", $"tail: expected a number of lines from 1 to {MaxTail}, was {Problems.Quote(tail)}", "tail");
    }

    /// <summary>The last <paramref name="lines"/> lines of <paramref name="text"/>.</summary>
    internal static string LastLines(string text, int lines)
    {
        var at = text.Length;
        // A final line break does not start a line of its own.
        var end = text.EndsWith('\n') ? text.Length - 1 : text.Length;
        for (var seen = 0; seen < lines; seen++)
        {
            var i = end > 0 ? text.LastIndexOf('\n', end - 1) : -1;
            if (i < 0) return text;
            at = i + 1;
            end = i;
        }
        return text[at..];
    }

    /// <summary>
    /// The JSON body, read with a size limit (<see cref="MaxBody"/>); or the problem naming the body: 413 when larger, 415 when
    /// not JSON, 400 naming the place where the JSON is not what the endpoint takes.
    /// </summary>
    private static async Task<(T? Body, IResult? Problem)> ReadBodyAsync<T>(HttpContext http, CancellationToken ct) where T : class
    {
        if (http.Request.ContentLength > MaxBody)
            return (null, Problems.Of(http, StatusCodes.Status413PayloadTooLarge, "Body too large", $"body: at most {MaxBody} bytes, was {http.Request.ContentLength}", "body"));
        if (!http.Request.HasJsonContentType())
            return (null, Problems.Of(http, StatusCodes.Status415UnsupportedMediaType, "Not JSON", "body: send it as application/json", "body"));
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxBody;
        try
        {
            return (await http.Request.ReadFromJsonAsync<T>(ct), null);
        }
        catch (System.Text.Json.JsonException json)
        {
            return (null, Problems.Of(http, StatusCodes.Status400BadRequest, "Bad JSON",
                $"body: not the JSON this endpoint takes at {json.Path ?? "$"} (line {json.LineNumber + 1}, byte {json.BytePositionInLine})", "body"));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.Of(http, StatusCodes.Status413PayloadTooLarge, "Body too large", $"body: at most {MaxBody} bytes", "body"));
        }
    }
}
