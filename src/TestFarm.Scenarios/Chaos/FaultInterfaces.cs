namespace TestFarm.Scenarios.Chaos;

/// <summary>The farm's agent on a node (over SSH on a real machine, or the lab's simulation): kills processes.</summary>
public interface INodeAgent
{
    /// <summary>Stops the node's kubelet; it stays stopped until <see cref="StartKubeletAsync"/>.</summary>
    Task KillKubeletAsync(string nodeName, CancellationToken cancellationToken = default);

    /// <summary>Starts the node's kubelet again (the end of a <c>kill-kubelet</c> step's duration).</summary>
    Task StartKubeletAsync(string nodeName, CancellationToken cancellationToken = default);

    /// <summary>Kills the containers on a node, optionally only those of one namespace; returns how many.</summary>
    Task<int> KillContainersAsync(string nodeName, string? ns, CancellationToken cancellationToken = default);
}

/// <summary>Faults only a lab (or a rack with managed switches and drive bays) can inject.</summary>
public interface ILabFaults
{
    Task SetNicLinkAsync(string machineId, string nic, bool up, CancellationToken cancellationToken = default);

    Task PullDriveAsync(string machineId, string drive, CancellationToken cancellationToken = default);

    Task InsertDriveAsync(string machineId, string drive, CancellationToken cancellationToken = default);
}

/// <summary>A chaos step asked for something outside its cell: nothing was done.</summary>
public sealed class ChaosRefusedException(string message) : Exception(message);
