using TestFarm.Core.Results;

namespace TestFarm.Server.Api;

#pragma warning disable CA1056 // URLs in bodies are relative paths, kept as strings.
public sealed record MachineView(string Id, string Profile, string L2Domain, string State, string? LeaseId, DateTimeOffset UpdatedAt, string Url);

public sealed record PoolView(int Total, IReadOnlyDictionary<string, int> ByState, IReadOnlyDictionary<string, int> ByProfile, IReadOnlyList<MachineView> Machines);

public sealed record EventView(long Seq, DateTimeOffset At, string Kind, string? From, string To, string Reason, string? LeaseId);

/// <summary>A machine: its moves into and out of the unhealthy states (<c>Health</c>), its newest health rounds (<c>Rounds</c>) and all its events.</summary>
public sealed record MachineDetail(MachineView Machine, object? Profile, IReadOnlyList<EventView> Health, IReadOnlyList<TestFarm.Core.Provisioning.HealthRecord> Rounds, IReadOnlyList<EventView> Events)
{
    /// <summary>The hardware the farm last observed on the machine; null when it was never inspected.</summary>
    public InventoryView? Inventory { get; init; }
}

/// <summary>
/// A machine's latest observed inventory: when (<c>At</c>), by what (<c>Source</c>: <c>BmcInspection</c>, a health round's read of
/// the BMC's Redfish inventory, or <c>AgentReport</c>, the boot agent's report at the end of a reimage), what was seen
/// (CPU model and counts, memory, NICs with MAC, speed, driver and model, drives with size, model and serial, firmware versions,
/// and warnings for parts that could not be read), and where it differs from the machine's profile (<c>Drift</c>; empty when
/// as declared or when the profile is unknown).
/// </summary>
public sealed record InventoryView(DateTimeOffset At, string Source, TestFarm.Core.Bmc.ObservedHardware Hardware, IReadOnlyList<TestFarm.Core.Bmc.DriftItem> Drift);

public sealed record QueueEntryView(string RequestId, string Plan, string Priority, string Repository, DateTimeOffset Submitted, int Position, string Blocking, DateTimeOffset? Eta);

public sealed record LeaseView(string Id, string Holder, string RequestId, IReadOnlyList<string> Machines, string State,
    DateTimeOffset GrantedAt, DateTimeOffset ExpiresAt, double AgeSeconds, DateTimeOffset? EndedAt, string? EndReason);

public sealed record RunListItem(string Id, string Plan, string Trigger, string State, DateTimeOffset Started, DateTimeOffset? Finished, string Url);

public sealed record PhaseView(string Phase, string State, DateTimeOffset Start, double? DurationSeconds, string? Error);

public sealed record CellView(string CellId, string? Profile, string? Topology, string? Verdict, IReadOnlyList<string> Machines,
    IReadOnlyList<PhaseView> Phases, IReadOnlyDictionary<string, int> Tests, IReadOnlyList<TestResult> Results,
    IReadOnlyList<Artifact> Artifacts, IReadOnlyDictionary<string, string> Evidence)
{
    /// <summary>How each machine reached the build, by machine id: <c>full</c>, <c>fast-track</c> or <c>skipped</c>.</summary>
    public IReadOnlyDictionary<string, string> ReimagePaths { get; init; } = new Dictionary<string, string>();
}

public sealed record RunView(string Id, string Plan, string Trigger, string State, string? StateReason, DateTimeOffset Started, DateTimeOffset? Finished,
    string? Verdict, IReadOnlyList<CellView> Cells)
{
    /// <summary>The run's reports and artifacts with their URLs (see <see cref="RunReportsView"/>).</summary>
    public RunReportsView? Reports { get; init; }
}

public sealed record TriggerBody(string? Plan);

public sealed record TriggeredView(string Id, string Url);

public sealed record TokenView(string Name, string Role);
#pragma warning restore CA1056
