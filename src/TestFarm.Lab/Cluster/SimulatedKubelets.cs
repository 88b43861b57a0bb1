namespace TestFarm.Lab.Cluster;

/// <summary>
/// The simulated kubelet of each node: running unless stopped (a chaos step's <c>kill-kubelet</c>). While stopped the node
/// posts no status; the node lifecycle controller marks it Unknown after the grace period and evicts its pods.
/// </summary>
public sealed class SimulatedKubelets
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _stopped = new(StringComparer.Ordinal);

    /// <summary>Stops the node's kubelet at <paramref name="at"/> (a second stop keeps the first time).</summary>
    public void Stop(string node, DateTimeOffset at)
    {
        lock (_gate) { _stopped.TryAdd(node, at); }
    }

    /// <summary>Starts it again: the node posts Ready on the next reconcile.</summary>
    public void Start(string node)
    {
        lock (_gate) { _stopped.Remove(node); }
    }

    /// <summary>When the node's kubelet stopped, or null while it runs.</summary>
    public DateTimeOffset? StoppedAt(string node)
    {
        lock (_gate) { return _stopped.TryGetValue(node, out var at) ? at : null; }
    }
}
