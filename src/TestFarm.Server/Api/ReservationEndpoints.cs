using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using TestFarm.Core.HandsOn;
using TestFarm.Orchestration.HandsOn;
using TestFarm.Server.Auth;

namespace TestFarm.Server.Api;

/// <summary>
/// <c>/api/v1/reservations</c>: people's hands-on reservations — ask (operator), list and read (viewer), extend (past the
/// policy's cap: admin) and release (operator). Every refusal names its field.
/// </summary>
public static class ReservationEndpoints
{
    public sealed record ExtendBody(string? Duration);

    public static void MapReservationEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPost("/reservations", CreateAsync).RequireRole(ApiRole.Operator).WithName("CreateReservation")
            .WithSummary("Reserve machines for a person: {\"profile\",\"count\",\"duration\",\"reason\"} or {\"likeCell\": \"<runId>/<cellId>\",\"reason\"}, optional \"build\"; "
                + "optional \"deployCluster\": true deploys a cluster on the machines once reimaged (Ready only when every node answers; the first machine "
                + "control-plane and the rest workers, or the liked cell's topology), its kubeconfig at GET /reservations/{id}/kubeconfig, torn down at release")
            .Accepts<HandsOnAsk>("application/json").Produces<ReservationView>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapGet("/reservations", ListAsync).RequireRole(ApiRole.Viewer).WithName("ListReservations")
            .WithSummary("Reservations, newest first (?all=true for ended ones too)");
        api.MapGet("/reservations/{id}", GetAsync).RequireRole(ApiRole.Viewer).WithName("GetReservation")
            .WithSummary("A reservation: state, machines with addresses, expiry and warning, owner, reason, queue position while Queued, the console sessions held during it")
            .Produces<ReservationView>();
        api.MapGet("/reservations/{id}/transcripts/{session}", ReadTranscriptAsync).RequireRole(ApiRole.Viewer).WithName("ReadReservationTranscript")
            .WithSummary("One console session's transcript held during the reservation, as text; for its holder or an operator")
            .Produces<string>(StatusCodes.Status200OK, "text/plain").ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/reservations/{id}/kubeconfig", KubeconfigAsync).RequireRole(ApiRole.Viewer).WithName("ReservationKubeconfig")
            .WithSummary("The kubeconfig of a Ready reservation's cluster (asked with \"deployCluster\": true), as a file, for its holder or an operator; "
                + "409 while not Ready or without a cluster")
            .Produces<string>(StatusCodes.Status200OK, "application/yaml").ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/reservations/{id}/extend", ExtendAsync).RequireRole(ApiRole.Operator).WithName("ExtendReservation")
            .WithSummary("Add time to a Ready reservation: {\"duration\": \"00:30:00\"}; past the policy's cap needs an admin")
            .Accepts<ExtendBody>("application/json").Produces<ReservationView>()
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapPost("/reservations/{id}/release", ReleaseAsync).RequireRole(ApiRole.Operator).WithName("ReleaseReservation")
            .WithSummary("Give the machines back: they are cleaned, then Available").Produces<ReservationView>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<IResult> CreateAsync(HttpContext http, CancellationToken ct)
    {
        if (Service(http) is not { } service) return NoMachines(http);
        var (ask, bad) = await JsonBody.ReadAsync<HandsOnAsk>(http, ct);
        if (bad is not null) return bad;
        if (ask is null) return Problems.Of(http, StatusCodes.Status422UnprocessableEntity, "Invalid reservation", "body: send {\"profile\",\"count\",\"duration\",\"reason\"} or {\"likeCell\",\"reason\"}", "body");
        var token = Token(http);
        var (r, errors) = await service.CreateAsync(ask, token.Name, token.Role >= ApiRole.Admin, ct);
        if (r is null)
            return Problems.Of(http, StatusCodes.Status422UnprocessableEntity, "Invalid reservation", string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")), errors[0].Field);
        return Results.Created($"/api/v1/reservations/{r.Id}", await ReservationViews.ViewAsync(http, service, r, ct));
    }

    private static async Task<IResult> ListAsync(HttpContext http, CancellationToken ct, bool all = false)
    {
        if (Service(http) is not { } service) return Results.Ok(Array.Empty<ReservationView>());
        var list = await service.ListAsync(openOnly: !all, ct);
        var views = new List<ReservationView>(list.Count);
        foreach (var r in list) views.Add(await ReservationViews.ViewAsync(http, service, r, ct));
        return Results.Ok(views);
    }

    private static async Task<IResult> GetAsync(string id, HttpContext http, CancellationToken ct)
    {
        if (Service(http) is not { } service || await service.GetAsync(id, ct) is not { } r) return Problems.NotFound(http, $"no reservation {Problems.Quote(id)}");
        var view = await ReservationViews.ViewAsync(http, service, r, ct);
        var transcripts = await Consoles.ReservationTranscripts.ListAsync(r, http.RequestServices.GetRequiredService<Core.Machines.IEventLog>(),
            http.RequestServices.GetRequiredService<Hosting.FarmServerOptions>(), ct);
        return Results.Ok(view with { Transcripts = transcripts });
    }

    private static Task<IResult> ReadTranscriptAsync(string id, string session, HttpContext http, CancellationToken ct) =>
        Consoles.ReservationTranscripts.ReadAsync(id, session, http, http.RequestServices.GetRequiredService<Core.Machines.IEventLog>(),
            http.RequestServices.GetRequiredService<Hosting.FarmServerOptions>(), Service(http), ct);

    private static async Task<IResult> KubeconfigAsync(string id, HttpContext http, CancellationToken ct)
    {
        if (Service(http) is not { } service) return Problems.NotFound(http, $"no reservation {Problems.Quote(id)}");
        var token = Token(http);
        var (path, refusal) = await service.KubeconfigAsync(id, token.Name, token.Role >= ApiRole.Operator, ct);
        if (refusal is not null)
            return refusal.Status == StatusCodes.Status404NotFound ? Problems.NotFound(http, refusal.Message)
                : Problems.Of(http, refusal.Status, refusal.Status == StatusCodes.Status403Forbidden ? "Forbidden" : "Conflict", refusal.Message);
        http.Response.Headers.CacheControl = "no-store";
        return Results.File(await File.ReadAllBytesAsync(path!, ct), "application/yaml", $"kubeconfig-{id}");
    }

    private static async Task<IResult> ExtendAsync(string id, HttpContext http, CancellationToken ct)
    {
        if (Service(http) is not { } service) return NoMachines(http);
        var (body, bad) = await JsonBody.ReadAsync<ExtendBody>(http, ct);
        if (bad is not null) return bad;
        var token = Token(http);
        return await AnswerAsync(http, service, await service.ExtendAsync(id, body?.Duration, token.Name, token.Role >= ApiRole.Admin, ct), ct);
    }

    private static async Task<IResult> ReleaseAsync(string id, HttpContext http, CancellationToken ct)
    {
        if (Service(http) is not { } service) return NoMachines(http);
        return await AnswerAsync(http, service, await service.ReleaseAsync(id, Token(http).Name, ct), ct);
    }

    private static async Task<IResult> AnswerAsync(HttpContext http, HandsOnReservations service, HandsOnOutcome outcome, CancellationToken ct) =>
        outcome.Reservation is { } r
            ? (outcome.Status == StatusCodes.Status202Accepted
                ? Results.Accepted($"/api/v1/reservations/{r.Id}", await ReservationViews.ViewAsync(http, service, r, ct))
                : Results.Ok(await ReservationViews.ViewAsync(http, service, r, ct)))
            : outcome.Status == StatusCodes.Status404NotFound ? Problems.NotFound(http, outcome.Message)
            : Problems.Of(http, outcome.Status, outcome.Status == StatusCodes.Status409Conflict ? "Conflict" : "Invalid request", outcome.Message, outcome.Field);

    private static HandsOnReservations? Service(HttpContext http) => http.RequestServices.GetService<HandsOnReservations>();

    private static ApiToken Token(HttpContext http) => (ApiToken)http.Items[RoleRequirement.TokenItem]!;

    private static IResult NoMachines(HttpContext http) =>
        Problems.Of(http, StatusCodes.Status503ServiceUnavailable, "No machines here", "this farm instance has no machines to reserve (started without a backend)");
}
