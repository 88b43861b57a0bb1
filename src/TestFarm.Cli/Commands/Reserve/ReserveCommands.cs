using System.CommandLine;
using System.Text.Json.Nodes;

namespace TestFarm.Cli.Commands.Reserve;

/// <summary><c>testfarm reserve create --profile P --count N --duration D --reason R [--like-cell RUN/CELL] [--build B] [--deploy-cluster]</c>.</summary>
public sealed class ReserveCreateCommand(IHttpClientFactory http) : ICliCommand
{
    public string Path => "reserve create";

    public Command Build()
    {
        var api = new ReserveApi(http);
        var profile = new Option<string?>("--profile") { Description = "Hardware profile of the machines" };
        var count = new Option<int?>("--count") { Description = "How many machines (default 1, or the cell's with --like-cell)" };
        var duration = new Option<string?>("--duration") { Description = "How long once Ready: hh:mm:ss, 90m or 2h (default: the farm's, 2h)" };
        var reason = new Option<string>("--reason") { Description = "Why you need the machines", Required = true };
        var likeCell = new Option<string?>("--like-cell") { Description = "RUN/CELL: the same profile, count and build as that cell" };
        var build = new Option<string?>("--build") { Description = "The build to reimage with (default: the farm's image, or the cell's)" };
        var deploy = new Option<bool>("--deploy-cluster")
        {
            Description = "Deploy a cluster on the machines once reimaged (Ready when every node answers); its kubeconfig at GET /api/v1/reservations/ID/kubeconfig once Ready",
        };
        var command = new Command("create", "Reserve machines for yourself through the farm's queue.") { profile, count, duration, reason, likeCell, build, deploy };
        api.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var ask = new Dictionary<string, object?>(StringComparer.Ordinal) { ["reason"] = parse.GetValue(reason) };
            if (parse.GetValue(profile) is { } p) ask["profile"] = p;
            if (parse.GetValue(count) is { } n) ask["count"] = n;
            if (parse.GetValue(duration) is { } d) ask["duration"] = d;
            if (parse.GetValue(likeCell) is { } l) ask["likeCell"] = l;
            if (parse.GetValue(build) is { } b) ask["build"] = b;
            if (parse.GetValue(deploy)) ask["deployCluster"] = true;
            var (r, code) = await api.SendAsync(parse, "create", HttpMethod.Post, "/api/v1/reservations", ask, ct);
            if (r is null) return code;
            await parse.InvocationConfiguration.Output.WriteLineAsync(ReserveText.Line(r));
            return ExitCodes.Success;
        });
        return command;
    }
}

/// <summary><c>testfarm reserve list [--all]</c>: open reservations (with <c>--all</c> ended ones too), newest first.</summary>
public sealed class ReserveListCommand(IHttpClientFactory http) : ICliCommand
{
    public string Path => "reserve list";

    public Command Build()
    {
        var api = new ReserveApi(http);
        var all = new Option<bool>("--all") { Description = "Ended reservations too" };
        var command = new Command("list", "List reservations: id, state, owner, machines, expiry, reason.") { all };
        api.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var (list, code) = await api.SendAsync(parse, "list", HttpMethod.Get, parse.GetValue(all) ? "/api/v1/reservations?all=true" : "/api/v1/reservations", null, ct);
            if (list is null) return code;
            var output = parse.InvocationConfiguration.Output;
            var items = list.AsArray();
            foreach (var r in items) await output.WriteLineAsync(ReserveText.Line(r!));
            await output.WriteLineAsync($"{items.Count} reservation(s)");
            return ExitCodes.Success;
        });
        return command;
    }
}

/// <summary><c>testfarm reserve show ID</c>: one reservation in full.</summary>
public sealed class ReserveShowCommand(IHttpClientFactory http) : ICliCommand
{
    public string Path => "reserve show";

    public Command Build()
    {
        var api = new ReserveApi(http);
        var id = new Argument<string>("id") { Description = "The reservation's id" };
        var command = new Command("show", "Show a reservation: state, machines, expiry, owner, reason, queue position.") { id };
        api.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var (r, code) = await api.SendAsync(parse, "show", HttpMethod.Get, $"/api/v1/reservations/{Uri.EscapeDataString(parse.GetValue(id)!)}", null, ct);
            if (r is null) return code;
            await parse.InvocationConfiguration.Output.WriteAsync(ReserveText.Full(r));
            return ExitCodes.Success;
        });
        return command;
    }
}

/// <summary><c>testfarm reserve extend ID --duration D</c>: more time for a Ready reservation.</summary>
public sealed class ReserveExtendCommand(IHttpClientFactory http) : ICliCommand
{
    public string Path => "reserve extend";

    public Command Build()
    {
        var api = new ReserveApi(http);
        var id = new Argument<string>("id") { Description = "The reservation's id" };
        var duration = new Option<string>("--duration") { Description = "Time to add: hh:mm:ss, 30m or 1h", Required = true };
        var command = new Command("extend", "Add time to a Ready reservation (past the policy's cap: admin only).") { id, duration };
        api.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var (r, code) = await api.SendAsync(parse, "extend", HttpMethod.Post, $"/api/v1/reservations/{Uri.EscapeDataString(parse.GetValue(id)!)}/extend",
                new { duration = parse.GetValue(duration) }, ct);
            if (r is null) return code;
            await parse.InvocationConfiguration.Output.WriteLineAsync(ReserveText.Line(r));
            return ExitCodes.Success;
        });
        return command;
    }
}

/// <summary><c>testfarm reserve release ID</c>: give the machines back (cleaned, then Available).</summary>
public sealed class ReserveReleaseCommand(IHttpClientFactory http) : ICliCommand
{
    public string Path => "reserve release";

    public Command Build()
    {
        var api = new ReserveApi(http);
        var id = new Argument<string>("id") { Description = "The reservation's id" };
        var command = new Command("release", "Give a reservation's machines back: they are cleaned, then Available.") { id };
        api.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var (r, code) = await api.SendAsync(parse, "release", HttpMethod.Post, $"/api/v1/reservations/{Uri.EscapeDataString(parse.GetValue(id)!)}/release", null, ct);
            if (r is null) return code;
            await parse.InvocationConfiguration.Output.WriteLineAsync(ReserveText.Line(r) + " (release asked: cleaning, then Available)");
            return ExitCodes.Success;
        });
        return command;
    }
}

/// <summary>How reservations are printed.</summary>
internal static class ReserveText
{
    public static string Line(JsonNode r) =>
        $"{S(r, "id")}  {S(r, "state")}  {S(r, "owner")}  {Machines(r)}  {(ReserveApi.Str(r, "expiresAt") is { } at ? "until " + at : S(r, "duration"))}  {ReserveApi.Cut(S(r, "reason"), 80)}";

    public static string Full(JsonNode r)
    {
        var lines = new List<string>
        {
            $"id:        {S(r, "id")}", $"state:     {S(r, "state")}", $"owner:     {S(r, "owner")}", $"reason:    {S(r, "reason")}",
            $"profile:   {S(r, "profile")}", $"duration:  {S(r, "duration")}",
        };
        foreach (var key in new[] { "build", "likeCell", "readyAt", "expiresAt", "leaseId", "endReason" })
            if (ReserveApi.Str(r, key) is { } v) lines.Add($"{key + ":",-10} {v}");
        if (r["queue"] is JsonObject q) lines.Add($"queue:     position {q["position"]}: {ReserveApi.Str(q, "blocking")}");
        if (r["deployCluster"]?.GetValue<bool>() == true) lines.Add($"cluster:   deployed on the machines; kubeconfig at {S(r, "kubeconfig")} once Ready");
        foreach (var m in Items(r)) lines.Add($"machine:   {S(m, "id")}  bmc {S(m, "bmc")}");
        return string.Join('\n', lines) + "\n";
    }

    private static string Machines(JsonNode r) => Items(r) is { Count: > 0 } ms ? string.Join(",", ms.Select(m => S(m, "id"))) : "-";

    private static List<JsonNode> Items(JsonNode r) => r["machines"] is JsonArray a ? [.. a.OfType<JsonNode>()] : [];

    private static string S(JsonNode r, string key) => ReserveApi.Str(r, key) ?? "-";
}
