namespace TestFarm.Lab.Machines;

/// <summary>
/// A machine that exists only as a power and boot state machine on a <see cref="TimeProvider"/>:
/// Off → PoweringOn (POST) → On/Booting → On/Running; graceful off goes through PoweringOff.
/// One timer at most per machine, so a thousand fit in one process.
/// </summary>
public sealed class SimulatedMachine : IMachineBackend
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly SimulatedTimings _timings;
    private readonly HashSet<int> _linksDown = [];
    private ITimer? _timer;
    private long _generation;

    public SimulatedMachine(TimeProvider time, SimulatedTimings timings)
    {
        _time = time;
        _timings = timings;
    }

    public MachinePowerState PowerState { get; private set; } = MachinePowerState.Off;
    public MachinePhase Phase { get; private set; } = MachinePhase.Off;
    public BootDevice CurrentBoot { get; private set; } = BootDevice.None;
    public string? ConsoleLogPath => null;

    /// <summary>NIC indexes whose link is down.</summary>
    public IReadOnlyCollection<int> LinksDown { get { lock (_gate) { return [.. _linksDown]; } } }

    /// <summary>Raised after every state change (on the thread that made it).</summary>
    public event Action<SimulatedMachine>? Changed;

    public Task PowerOnAsync(BootRequest boot, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (PowerState is MachinePowerState.On or MachinePowerState.PoweringOn) return Task.CompletedTask;
            StartPostLocked(boot);
        }
        Changed?.Invoke(this);
        return Task.CompletedTask;
    }

    public Task PowerOffAsync(bool graceful, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (PowerState == MachinePowerState.Off) return Task.CompletedTask;
            if (graceful && _timings.Shutdown > TimeSpan.Zero)
            {
                if (PowerState == MachinePowerState.PoweringOff) return Task.CompletedTask;
                PowerState = MachinePowerState.PoweringOff;
                Schedule(_timings.Shutdown, OffLocked);
            }
            else
            {
                OffLocked();
            }
        }
        Changed?.Invoke(this);
        return Task.CompletedTask;
    }

    public Task RestartAsync(BootRequest boot, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            OffLocked();
            StartPostLocked(boot);
        }
        Changed?.Invoke(this);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The running agent kexecs a new kernel: the OS boots again at once, with no firmware POST and no power cycle.
    /// A no-op unless the machine is on.
    /// </summary>
    public Task KexecAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (PowerState != MachinePowerState.On) return Task.CompletedTask;
            Kexecs++;
            Phase = MachinePhase.Booting;
            Schedule(_timings.Boot, () => Phase = MachinePhase.Running);
        }
        Changed?.Invoke(this);
        return Task.CompletedTask;
    }

    /// <summary>Kexecs since creation (fast-tracked boots).</summary>
    public int Kexecs { get; private set; }

    public Task SetLinkAsync(int nicIndex, bool up, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (up) _linksDown.Remove(nicIndex);
            else _linksDown.Add(nicIndex);
        }
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        lock (_gate) { CancelTimerLocked(); }
        return ValueTask.CompletedTask;
    }

    private void StartPostLocked(BootRequest boot)
    {
        CurrentBoot = boot.Device;
        PowerState = MachinePowerState.PoweringOn;
        Phase = MachinePhase.Post;
        Schedule(_timings.Post, () =>
        {
            PowerState = MachinePowerState.On;
            Phase = MachinePhase.Booting;
            Schedule(_timings.Boot, () => Phase = MachinePhase.Running);
        });
    }

    private void OffLocked()
    {
        CancelTimerLocked();
        PowerState = MachinePowerState.Off;
        Phase = MachinePhase.Off;
    }

    /// <summary>Runs <paramref name="step"/> under the lock after <paramref name="delay"/>, unless the state moved on.</summary>
    private void Schedule(TimeSpan delay, Action step)
    {
        CancelTimerLocked();
        var generation = ++_generation;
        if (delay <= TimeSpan.Zero)
        {
            step();
            return;
        }
        _timer = _time.CreateTimer(_ =>
        {
            lock (_gate)
            {
                if (generation != _generation) return;
                step();
            }
            Changed?.Invoke(this);
        }, null, delay, Timeout.InfiniteTimeSpan);
    }

    private void CancelTimerLocked()
    {
        _generation++;
        _timer?.Dispose();
        _timer = null;
    }
}
