using TestFarm.Core.Machines;

namespace TestFarm.Core.Scheduling;

/// <summary>
/// Admission control and queue transparency: whether the pool could ever satisfy a request, and for each waiting
/// request its position, what blocks it ("needs 3× node [profile=arm, nics.driver=mlx5_core]; 2 healthy (0 free), 1 quarantined") and an ETA.
/// </summary>
public sealed class QueueExplainer(FarmScheduler scheduler)
{
    /// <summary>Rejects at once a request that no set of healthy-or-repairable (not Retired) machines could satisfy.</summary>
    public AdmissionResult Admit(ReservationRequest request, IReadOnlyList<MachineRecord> machines)
    {
        var chooser = scheduler.Chooser;
        var errors = ReservationRequestValidator.Validate(request, p => chooser.Profiles.ContainsKey(p)).ToList();
        if (errors.Count > 0) return new AdmissionResult(false, errors);
        var serviceable = machines.Where(m => MachineTransitions.IsServiceable(m.State)).Select(m => m with { State = MachineState.Available }).ToList();
        if (chooser.Choose(request, serviceable) is not null) return AdmissionResult.Ok;
        return new AdmissionResult(false, [$"never satisfiable by this pool: {Blocking(request, machines)}"]);
    }

    /// <summary>Why the request cannot start on the machines as they are now.</summary>
    public string Blocking(ReservationRequest request, IReadOnlyList<MachineRecord> machines)
    {
        var chooser = scheduler.Chooser;
        var parts = new List<string>();
        foreach (var role in request.Topology.Roles)
        {
            var matching = machines.Where(m => chooser.Fits(m, request, role.Selector)).ToList();
            var terms = new List<string>();
            if (request.Profile is not null) terms.Add($"profile={request.Profile}");
            terms.AddRange(role.Selector.Match.Select(kv => $"{kv.Key}={kv.Value}"));
            var healthy = matching.Count(m => MachineTransitions.IsHealthy(m.State));
            var free = matching.Count(m => m.State == MachineState.Available);
            var quarantined = matching.Count(m => m.State == MachineState.Quarantined);
            var suspect = matching.Count(m => m.State == MachineState.Suspect);
            var text = $"needs {role.Count}× {role.Name} [{string.Join(", ", terms)}]; {healthy} healthy ({free} free)";
            if (quarantined > 0) text += $", {quarantined} quarantined";
            if (suspect > 0) text += $", {suspect} suspect";
            parts.Add(text);
        }
        if (request.Spares > 0) parts.Add($"plus {request.Spares} spare(s)");
        if (request.Topology.SameL2Domain) parts.Add("all in one L2 domain");
        return string.Join("; ", parts);
    }

    /// <summary>Position, blocking reason and ETA of every request still waiting after <paramref name="decision"/>.</summary>
    public IReadOnlyList<QueueEntryStatus> Explain(SchedulerInput input, SchedulingDecision decision)
    {
        var started = decision.Start.Select(p => p.Request.Id).ToHashSet(StringComparer.Ordinal);
        var byId = input.Queue.ToDictionary(r => r.Id, StringComparer.Ordinal);
        var free = new FreePool(input.Machines.Where(m => m.State == MachineState.Available));
        foreach (var p in decision.Start) free.Take(p.Choice);
        var result = new List<QueueEntryStatus>();
        var position = 0;
        foreach (var id in decision.Order.Where(id => !started.Contains(id)))
        {
            var r = byId[id];
            position++;
            var eta = decision.Reservation?.RequestId == id
                ? decision.Reservation.Start
                : scheduler.Reserve(r, input, free, decision.Start)?.Start;
            var reason = Blocking(r, input.Machines);
            if (decision.Reservation is { } head && head.RequestId != id) reason += $"; behind {head.RequestId} (reserved from {head.Start:O})";
            if (eta is { } e && decision.Reservation is { } h && h.RequestId != id && e < h.Start) eta = h.Start;
            if (DeadlineRisk(r, input.Now, eta) is { } risk) reason += "; " + risk;
            result.Add(new QueueEntryStatus(id, position, reason, eta));
        }
        return result;
    }

    /// <summary>
    /// "deadline 08:00 at risk: needs 4.5h (estimate), so must start by 03:30; earliest start 05:10" when the request's
    /// ETA (or no ETA at all) leaves its deadline unreachable with its estimate; null when on track or without one.
    /// Times are local to the farm's time zone (<see cref="PolicyOptions.PeakUtcOffset"/>).
    /// </summary>
    public string? DeadlineRisk(ReservationRequest r, DateTimeOffset now, DateTimeOffset? eta)
    {
        if (r.Deadline is not { } deadline) return null;
        var estimate = scheduler.Estimate(r);
        var latest = deadline - estimate;
        var start = eta is { } e && e > now ? e : now;
        if (eta is not null && start <= latest) return null;
        var offset = scheduler.Options.PeakUtcOffset;
        string Local(DateTimeOffset t) => t.ToOffset(offset).ToString("ddd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        var why = eta is null ? "no start in sight on the machines as they are" : $"earliest start {Local(start)}";
        var late = latest < now ? $"should have started by {Local(latest)}" : $"must start by {Local(latest)}";
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"deadline {Local(deadline)} at risk: needs {estimate.TotalHours:0.#}h (estimate), so {late}; {why}");
    }
}
