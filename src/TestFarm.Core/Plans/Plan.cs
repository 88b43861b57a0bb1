namespace TestFarm.Core.Plans;

/// <summary>What to run: loaded from <c>scenarios/plans/*.yaml</c>.</summary>
public sealed record Plan
{
    public required string Name { get; init; }
    public string? Description { get; init; }
    public required PlanTrigger Trigger { get; init; }
    public required PlanMatrix Matrix { get; init; }
    public required ClusterSpec Cluster { get; init; }
    /// <summary>Names of suites, run in this order on every cell.</summary>
    public IReadOnlyList<string> Suites { get; init; } = [];
    /// <summary>Deadline per phase (reserve, reimage, deploy, addons, suites, clean).</summary>
    public IReadOnlyDictionary<string, TimeSpan> Timeouts { get; init; } = new Dictionary<string, TimeSpan>();
    public PriorityClass Priority { get; init; } = PriorityClass.Manual;
    /// <summary>How many spare machines a cell may take when one fails verification.</summary>
    public int Spares { get; init; }
    /// <summary>Local time of day (in the farm's time zone) by which a run's results are wanted, e.g. 08:00; null for none.</summary>
    public TimeOnly? Deadline { get; init; }
    /// <summary>
    /// How many times a cell whose attempt was lost (its farm instance died) is retried from reserve, with a full
    /// reimage, before it is recorded infra-error. 0 to <see cref="MaxRetries"/>; default 1.
    /// </summary>
    public int Retries { get; init; } = 1;

    public const int MaxRetries = 5;

    /// <summary>
    /// <c>hold_on_failure</c>: a cell that ends Failed (a product failure; not infra-error, whose machines are suspect and
    /// are cleaned and checked as usual) keeps its machines, uncleaned, as a Ready hands-on reservation of
    /// <see cref="HoldFor"/> for this long, on the same lease. Null: failed cells are cleaned at once.
    /// </summary>
    public TimeSpan? HoldOnFailure { get; init; }

    /// <summary>
    /// <c>hold_for</c>: the API token name that gets a held cell's machines. Required with <see cref="HoldOnFailure"/>:
    /// runs record no person, so a pull request's author is never held for unless named here.
    /// </summary>
    public string? HoldFor { get; init; }

    /// <summary>Longest <c>hold_for</c> name.</summary>
    public const int MaxHoldFor = 100;
}

/// <summary>
/// Who is asking. <see cref="Interactive"/> is a person's hands-on reservation (a person waits at the other end): it ranks
/// between pull requests and nightlies, see <see cref="Scheduling.PolicyOptions.Weights"/>.
/// </summary>
public enum PriorityClass { ReleaseQualification, PullRequest, Nightly, Manual, Interactive }

public enum TriggerKind { Nightly, PullRequest, Manual, Release }

public sealed record PlanTrigger
{
    public required TriggerKind Kind { get; init; }
    /// <summary>Cron expression (Quartz syntax) for nightly triggers.</summary>
    public string? Cron { get; init; }
    /// <summary>Path globs for pull-request triggers; empty means every change.</summary>
    public IReadOnlyList<string> Paths { get; init; } = [];
    public IReadOnlyList<string> Repositories { get; init; } = [];
}

/// <summary>Profiles × topologies, with explicit includes and excludes.</summary>
public sealed record PlanMatrix
{
    public IReadOnlyList<Selector> Profiles { get; init; } = [];
    public IReadOnlyList<Topology> Topologies { get; init; } = [];
    public IReadOnlyList<MatrixPoint> Include { get; init; } = [];
    public IReadOnlyList<MatrixPoint> Exclude { get; init; } = [];
}

public sealed record MatrixPoint
{
    public string? Profile { get; init; }
    public string? Topology { get; init; }
}

/// <summary>Roles with counts and selectors, e.g. 3 control-plane + 2 workers.</summary>
public sealed record Topology
{
    public required string Name { get; init; }
    public IReadOnlyList<TopologyRole> Roles { get; init; } = [];
    public bool SameL2Domain { get; init; }
}

public sealed record TopologyRole
{
    /// <summary>control-plane, worker, etcd, ...</summary>
    public required string Name { get; init; }
    public required int Count { get; init; }
    /// <summary>Further constraints on the machines of this role, on top of the matrix profile.</summary>
    public Selector Selector { get; init; } = Selector.Any;
}

/// <summary>
/// Matches machines by fields of their profile and labels: <c>arch: arm64</c>, <c>nics.driver: mlx5_core</c>,
/// <c>storage.kind: nvme</c>, <c>name: epyc-e810</c>, <c>labels.gpu: "true"</c>. All terms must hold.
/// </summary>
public sealed record Selector
{
    public static readonly Selector Any = new();
    public IReadOnlyDictionary<string, string> Match { get; init; } = new Dictionary<string, string>();
}

public sealed record ClusterSpec
{
    /// <summary>kubespray, k3s, talos, or lab (the simulated cluster).</summary>
    public required string Deployer { get; init; }
    public required string KubernetesVersion { get; init; }
    public IReadOnlyList<AddOnSpec> AddOns { get; init; } = [];
}

public sealed record AddOnSpec
{
    /// <summary>metallb or rook-ceph.</summary>
    public required string Name { get; init; }
    public required string Version { get; init; }
}
