using TestFarm.Core.Plans;

namespace TestFarm.Core.Scheduling;

/// <summary>
/// What one cell asks of the pool: its topology (roles × counts × selectors, same L2 domain) on a matrix
/// profile, plus spares, with the facts the policy weighs (priority class, repository, duration estimate).
/// </summary>
public sealed record ReservationRequest
{
    /// <summary>Unique id of the request; the cell id plus a run id is a good choice.</summary>
    public required string Id { get; init; }
    public required string Plan { get; init; }
    /// <summary>The matrix profile every machine must have; null lets the role selectors decide alone.</summary>
    public string? Profile { get; init; }
    public required Topology Topology { get; init; }
    public int Spares { get; init; }
    public PriorityClass Priority { get; init; } = PriorityClass.Manual;
    /// <summary>Repository or team, for fair share.</summary>
    public string Repository { get; init; } = "default";
    public DateTimeOffset SubmittedAt { get; init; }
    /// <summary>Expected hold time; the scheduler asks its estimator when null.</summary>
    public TimeSpan? EstimatedDuration { get; init; }
    /// <summary>When the results are wanted (the plan's <c>deadline</c>, as an instant); null for no deadline.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>
    /// Machines to take first when they are free and fit (a hands-on reservation "like cell X" asks for the cell's own);
    /// the rest of the gang, or all of it when none is free, comes from the other candidates as usual. Null: no preference.
    /// </summary>
    public IReadOnlyList<string>? PreferredMachines { get; init; }

    public int MachineCount => Topology.Roles.Sum(r => r.Count) + Spares;

    /// <summary>
    /// Builds the request of a matrix cell; a plan's <c>deadline</c> becomes the first such local time (at
    /// <paramref name="farmUtcOffset"/>, the farm's time zone) after <paramref name="submittedAt"/>.
    /// </summary>
    public static ReservationRequest ForCell(MatrixCell cell, Plan plan, string runId, DateTimeOffset submittedAt, string repository = "default",
        TimeSpan farmUtcOffset = default) => new()
    {
        Id = $"{runId}/{cell.Id}",
        Plan = plan.Name,
        Profile = cell.Profile,
        Topology = cell.Topology,
        Spares = plan.Spares,
        Priority = plan.Priority,
        Repository = repository,
        SubmittedAt = submittedAt,
        Deadline = plan.Deadline is { } local ? Deadlines.Next(local, submittedAt, farmUtcOffset) : null,
    };

    /// <summary>The run a cell's request belongs to: <see cref="ForCell"/> names requests <c>run/cell</c>.</summary>
    public static string RunOf(string requestId) => requestId.Split('/')[0];
}

/// <summary>Checks a request's shape before it reaches the queue; returns every problem found.</summary>
public static class ReservationRequestValidator
{
    public static IReadOnlyList<string> Validate(ReservationRequest request, Func<string, bool> profileExists)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(request.Id)) errors.Add("request id is empty");
        if (request.Profile is { } p && !profileExists(p)) errors.Add($"request {request.Id}: unknown profile '{p}'");
        if (request.Topology.Roles.Count == 0) errors.Add($"request {request.Id}: topology '{request.Topology.Name}' has no roles");
        foreach (var role in request.Topology.Roles)
        {
            if (role.Count <= 0) errors.Add($"request {request.Id}: role '{role.Name}' count must be positive, was {role.Count}");
        }
        if (request.Spares < 0) errors.Add($"request {request.Id}: spares must not be negative, was {request.Spares}");
        if (request.EstimatedDuration is { } d && d <= TimeSpan.Zero) errors.Add($"request {request.Id}: estimated duration must be positive, was {d}");
        return errors;
    }
}
