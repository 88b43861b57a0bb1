using TestFarm.Core.Provisioning;

namespace TestFarm.Core.Scheduling.Simulation;

/// <summary>
/// What the simulated farm remembers of each machine's last lease, and the boot path a cell takes from it: the product's
/// own rule (<see cref="FastTrack.CanKexec"/>). A trusted cell's cleaning leaves its machines in the agent when the farm
/// fast-tracks and the profile allows it (as the cleaner does); an untrusted one powers them off. A gang is fast-tracked
/// only when every one of its machines is: its reimage ends with the slowest machine.
/// </summary>
internal sealed class SimBootPaths(SimTrace trace)
{
    private readonly Dictionary<string, MachineImageState> _states = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _profileOf = trace.Machines.ToDictionary(m => m.Id, m => m.Profile, StringComparer.Ordinal);

    /// <summary>True when <paramref name="job"/> starting on <paramref name="machines"/> skips the reimage's POST.</summary>
    public bool FastTracks(SimJob job, IReadOnlyList<string> machines) =>
        trace.FastTrackSaving(job) > TimeSpan.Zero && machines.All(id =>
            _states.TryGetValue(id, out var state) && FastTrack.CanKexec(state, job.Trusted, ProfileAllows(id)));

    /// <summary>The lease of <paramref name="job"/> on <paramref name="machines"/> ended with a successful cleaning.</summary>
    public void Cleaned(SimJob job, IReadOnlyList<string> machines)
    {
        foreach (var id in machines)
        {
            _states[id] = new MachineImageState
            {
                LastLeaseTrusted = job.Trusted, LastLeaseClean = true,
                AgentResident = trace.FastTrack && job.Trusted && ProfileAllows(id),
            };
        }
    }

    /// <summary>A machine that failed its health check: whatever it held, it is not trusted to be resident.</summary>
    public void Failed(string id) => _states.Remove(id);

    private bool ProfileAllows(string id) =>
        _profileOf.TryGetValue(id, out var p) && trace.Profiles.TryGetValue(p, out var profile) && profile.Boot.FastTrack;
}
