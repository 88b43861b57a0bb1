namespace TestFarm.Core.Provisioning;

/// <summary>One health round's verdict on one machine: its graded health after the round and every check it ran.</summary>
public sealed record HealthRecord
{
    public required string MachineId { get; init; }
    public required DateTimeOffset At { get; init; }
    public required MachineHealth Health { get; init; }
    public IReadOnlyList<HealthCheckResult> Checks { get; init; } = [];
}

/// <summary>
/// The machines' health history (the store's <c>machine_health</c> table): every round's verdict, kept for
/// <see cref="Retention"/>. The newest record of a machine carries its consecutive failures and passes, so a farm
/// that restarts, or another instance of a cluster, grades on from where the last round left off.
/// </summary>
public interface IHealthHistory
{
    /// <summary>How long records are kept; older ones of a machine go when a new one is written.</summary>
    static TimeSpan Retention => TimeSpan.FromDays(90);

    Task RecordHealthAsync(HealthRecord record, CancellationToken ct = default);

    /// <summary>The machine's records, newest first.</summary>
    Task<IReadOnlyList<HealthRecord>> ReadHealthAsync(string machineId, int limit = 100, CancellationToken ct = default);

    /// <summary>The newest record of every machine that has one.</summary>
    Task<IReadOnlyDictionary<string, HealthRecord>> LatestHealthAsync(CancellationToken ct = default);
}
