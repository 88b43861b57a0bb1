using System.Collections.Concurrent;
using System.Net;
using TestFarm.Core.Hardware;
using TestFarm.Lab.Machines;

namespace TestFarm.Lab.Bmc;

/// <summary>
/// The state one virtual BMC keeps beside its machine: boot override, virtual media, sessions,
/// tasks, faults, pulled drives and downed NICs, and the version behind its ETag.
/// </summary>
public sealed class VirtualBmc : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _pulledDrives = new(StringComparer.Ordinal);
    private readonly HashSet<string> _downNics = new(StringComparer.Ordinal);
    private long _version = 1;
    private int _nextTask;

    public VirtualBmc(string id, int index, IPAddress address, HardwareProfile profile, IMachineBackend backend, FaultSettings? faults = null)
    {
        Id = id;
        Index = index;
        Address = address;
        Url = new Uri($"http://{address}/");
        Profile = profile;
        Backend = backend;
        Inventory = LabInventory.From(profile, index);
        Faults = faults ?? FaultSettings.None;
        BootMode = profile.Boot.Modes.Contains(Core.Hardware.BootMode.Uefi) ? "UEFI" : "Legacy";
        Console = Consoles.LabConsoles.For(id, profile, backend);
    }

    /// <summary>The machine's serial console: QEMU's real serial port, or the simulated machine's own.</summary>
    public Core.Machines.IMachineConsole? Console { get; }

    public string Id { get; }
    public int Index { get; }
    public HardwareProfile Profile { get; }
    public IMachineBackend Backend { get; }
    public LabInventory Inventory { get; }
    public string ProvisioningMac => Inventory.Nics[0].Mac;
    /// <summary>The BMC's own address on the lab's BMC network; requests arriving there are this BMC's.</summary>
    public IPAddress Address { get; }
    /// <summary><c>http://&lt;address&gt;:&lt;port&gt;/</c>, as a pool file lists it; the lab sets the port when it binds.</summary>
    public Uri Url { get; internal set; }
    /// <summary>The Redfish service root path, <c>/redfish/v1</c> as on every BMC; every <c>@odata.id</c> starts with it.</summary>
    public const string RootPath = "/redfish/v1";
    public FaultSettings Faults { get; set; }

    public string BootEnabled { get; private set; } = "Disabled";
    public string BootTarget { get; private set; } = "None";
    public string BootMode { get; private set; }
    public Uri? MediaImage { get; private set; }

    /// <summary>Open Redfish sessions.</summary>
    public int SessionCount => Sessions.Count;

    internal ConcurrentDictionary<string, LabSession> Sessions { get; } = new(StringComparer.Ordinal);
    internal ConcurrentDictionary<string, LabTask> Tasks { get; } = new(StringComparer.Ordinal);

    /// <summary>The system resource's ETag; changes with every change of state the BMC made.</summary>
    public string ETag { get { lock (_gate) { return $"\"{_version}\""; } } }

    public bool IsDrivePulled(string id) { lock (_gate) { return _pulledDrives.Contains(id); } }
    public bool IsNicDown(string id) { lock (_gate) { return _downNics.Contains(id); } }

    /// <summary>NICs in the inventory, less those a fault hides.</summary>
    public IReadOnlyList<LabNic> VisibleNics => [.. Inventory.Nics.Take(Math.Max(0, Inventory.Nics.Count - Faults.MissingNics))];

    /// <summary>Drives in the inventory, less pulled ones and those a fault hides.</summary>
    public IReadOnlyList<LabDrive> VisibleDrives
    {
        get
        {
            var kept = Inventory.Drives.Take(Math.Max(0, Inventory.Drives.Count - Faults.MissingDrives));
            lock (_gate) { return [.. kept.Where(d => !_pulledDrives.Contains(d.Id))]; }
        }
    }

    public void SetBootOverride(string? enabled, string? target, string? mode)
    {
        lock (_gate)
        {
            if (Faults.BootOverrideIgnored) return;
            if (enabled is not null) BootEnabled = enabled;
            if (target is not null) BootTarget = target;
            if (mode is not null) BootMode = mode;
            if (target is not null && enabled is null && BootEnabled == "Disabled" && target != "None") BootEnabled = "Once";
            _version++;
        }
    }

    public void InsertMedia(Uri image) { lock (_gate) { MediaImage = image; _version++; } }

    public void EjectMedia() { lock (_gate) { MediaImage = null; _version++; } }

    /// <summary>Applies a Redfish ResetType to the machine, consuming a one-time boot override on power on.</summary>
    public async Task ResetAsync(string resetType, CancellationToken cancellationToken)
    {
        if (Faults.PowerStuck) return;
        switch (resetType)
        {
            case "On": await Backend.PowerOnAsync(TakeBootRequest(), cancellationToken).ConfigureAwait(false); break;
            case "ForceOff": await Backend.PowerOffAsync(graceful: false, cancellationToken).ConfigureAwait(false); break;
            case "GracefulShutdown": await Backend.PowerOffAsync(graceful: true, cancellationToken).ConfigureAwait(false); break;
            case "ForceRestart" or "GracefulRestart" or "PowerCycle":
                await Backend.RestartAsync(TakeBootRequest(), cancellationToken).ConfigureAwait(false); break;
            default: throw new ArgumentOutOfRangeException(nameof(resetType), resetType, "unsupported ResetType");
        }
        lock (_gate) { _version++; }
    }

    public static IReadOnlyList<string> ResetTypes { get; } = ["On", "ForceOff", "GracefulShutdown", "ForceRestart", "GracefulRestart", "PowerCycle"];

    /// <summary>Pulls a drive out (true) or puts it back (false). False when there is no such drive.</summary>
    public bool SetDrivePulled(string driveId, bool pulled)
    {
        if (Inventory.Drives.All(d => d.Id != driveId)) return false;
        lock (_gate) { if (pulled) _pulledDrives.Add(driveId); else _pulledDrives.Remove(driveId); }
        return true;
    }

    /// <summary>Takes a NIC's link down or up, in the inventory and in the backend. False when there is no such NIC.</summary>
    public async Task<bool> SetNicLinkAsync(string nicId, bool up, CancellationToken cancellationToken)
    {
        var index = Inventory.Nics.ToList().FindIndex(n => n.Id == nicId);
        if (index < 0) return false;
        lock (_gate) { if (up) _downNics.Remove(nicId); else _downNics.Add(nicId); }
        await Backend.SetLinkAsync(index, up, cancellationToken).ConfigureAwait(false);
        return true;
    }

    internal LabTask StartTask(string name, DateTimeOffset now, TimeSpan duration)
    {
        var id = Interlocked.Increment(ref _nextTask).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var task = new LabTask(id, name, now, duration);
        Tasks[id] = task;
        return task;
    }

    private BootRequest TakeBootRequest()
    {
        lock (_gate)
        {
            if (BootEnabled == "Disabled" || BootTarget == "None") return BootRequest.Disk;
            var device = BootTarget switch
            {
                "Pxe" => BootDevice.Pxe,
                "UefiHttp" => BootDevice.UefiHttp,
                "Cd" => BootDevice.Cd,
                "BiosSetup" => BootDevice.BiosSetup,
                _ => BootDevice.Hdd,
            };
            if (BootEnabled == "Once") { BootEnabled = "Disabled"; BootTarget = "None"; }
            _version++;
            return new BootRequest(device, device == BootDevice.Cd ? MediaImage : null);
        }
    }

    public ValueTask DisposeAsync() => Backend.DisposeAsync();
}

internal sealed record LabSession(string Id, string Token, string User);

internal sealed record LabTask(string Id, string Name, DateTimeOffset StartedAt, TimeSpan Duration)
{
    public bool IsDone(DateTimeOffset now) => now >= StartedAt + Duration;
}
