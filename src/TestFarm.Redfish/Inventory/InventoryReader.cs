using System.Text.Json;
using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;
using TestFarm.Redfish.Http;
using TestFarm.Redfish.Json;

namespace TestFarm.Redfish.Inventory;

/// <summary>
/// Reads a system's hardware through its links: processors, memory, EthernetInterfaces (or Chassis
/// NetworkAdapters), Storage/Drives (or SimpleStorage), UpdateService FirmwareInventory and manager
/// firmware. A link that cannot be read becomes a warning and the result is partial. A reply beyond
/// <see cref="InventoryLimits"/> (a collection with more members, or a string longer, than any server has) is refused
/// with a <see cref="BmcException"/> naming its URL and field: nothing of it is read further.
/// </summary>
public sealed class InventoryReader(RedfishService service)
{
    private readonly List<string> _warnings = [];

    public async Task<ObservedHardware> ReadAsync(JsonElement system, CancellationToken cancellationToken)
    {
        var (cpuCount, cores, cpuModel) = await ProcessorsAsync(system, cancellationToken).ConfigureAwait(false);
        var memory = system.Double("MemorySummary", "TotalSystemMemoryGiB") ?? await MemoryAsync(system, cancellationToken).ConfigureAwait(false);
        var nics = await NicsAsync(system, cancellationToken).ConfigureAwait(false);
        var drives = await DrivesAsync(system, cancellationToken).ConfigureAwait(false);
        var firmware = await FirmwareAsync(system, cancellationToken).ConfigureAwait(false);
        return new ObservedHardware
        {
            Manufacturer = Bounded(system, "system", "Manufacturer"),
            Model = Bounded(system, "system", "Model"),
            CpuModel = cpuModel ?? Bounded(system, "system", "ProcessorSummary", "Model"),
            ProcessorCount = (int?)system.Long("ProcessorSummary", "Count") ?? cpuCount,
            CoreCount = cores,
            MemoryGiB = memory,
            Nics = nics,
            Drives = drives,
            Firmware = firmware,
            Warnings = [.. _warnings.Take(InventoryLimits.MaxWarnings - 1).Select(w => Clip(w)),
                .. _warnings.Count >= InventoryLimits.MaxWarnings ? [$"{_warnings.Count - InventoryLimits.MaxWarnings + 1} more warnings"] : Array.Empty<string>()],
        };
    }

    /// <summary>Members of a linked collection, each read; unreadable ones become warnings.</summary>
    private async Task<List<JsonElement>> MembersAsync(string? link, string what, CancellationToken cancellationToken)
    {
        var result = new List<JsonElement>();
        if (link is null) return result;
        var collection = await TryGetAsync(link, what, cancellationToken).ConfigureAwait(false);
        if (collection is null) return result;
        var members = collection.Value.Members();
        if (members.Count > InventoryLimits.MaxMembers)
            throw new BmcException($"{service.Resolve(link)}: Members: {members.Count} entries, at most {InventoryLimits.MaxMembers} are read ({what})") { Kind = BmcErrorKind.Protocol };
        foreach (var member in members)
        {
            if (await TryGetAsync(member, what, cancellationToken).ConfigureAwait(false) is { } body) result.Add(body);
        }
        return result;
    }

    private async Task<JsonElement?> TryGetAsync(string link, string what, CancellationToken cancellationToken)
    {
        try
        {
            return (await service.GetAsync(link, cancellationToken).ConfigureAwait(false)).Json;
        }
        catch (BmcException e)
        {
            _warnings.Add($"{what}: could not read {link}: {(e.HttpStatus is { } s ? s.ToString(System.Globalization.CultureInfo.InvariantCulture) : e.Kind.ToString())}");
            return null;
        }
    }

    private async Task<(int? Count, int? Cores, string? Model)> ProcessorsAsync(JsonElement system, CancellationToken cancellationToken)
    {
        if (system.Link("Processors") is not { } link) return (null, null, null);
        var cpus = (await MembersAsync(link, "processors", cancellationToken).ConfigureAwait(false))
            .Where(p => p.Str("ProcessorType") is null or "CPU").ToList();
        if (cpus.Count == 0) return (null, null, null);
        var cores = cpus.Select(p => p.Long("TotalCores")).ToList();
        var models = cpus.Select(p => Bounded(p, "processor", "Model")?.Trim()).OfType<string>().Where(m => m.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        return (cpus.Count, cores.All(c => c is not null) ? (int)cores.Sum(c => c!.Value) : null, models.Count == 0 ? null : Clip(string.Join(" + ", models), InventoryLimits.MaxString));
    }

    /// <summary>A string property of a body, refused (naming the body's URL and the field) when longer than <see cref="InventoryLimits.MaxString"/>.</summary>
    private string? Bounded(JsonElement body, string what, params string[] path)
    {
        var value = body.Str(path);
        if (value is not { Length: > InventoryLimits.MaxString }) return value;
        var where = body.Str("@odata.id") is { } id ? service.Resolve(id).ToString() : what;
        throw new BmcException($"{Clip(where, 200)}: {string.Join(".", path)}: {value.Length} characters, at most {InventoryLimits.MaxString}") { Kind = BmcErrorKind.Protocol };
    }

    private static string Clip(string text) => Clip(text, InventoryLimits.MaxWarning);

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    private async Task<double?> MemoryAsync(JsonElement system, CancellationToken cancellationToken)
    {
        var dimms = await MembersAsync(system.Link("Memory"), "memory", cancellationToken).ConfigureAwait(false);
        var sizes = dimms.Select(d => d.Long("CapacityMiB")).OfType<long>().ToList();
        return sizes.Count == 0 ? null : sizes.Sum() / 1024.0;
    }

    private async Task<IReadOnlyList<ObservedNic>> NicsAsync(JsonElement system, CancellationToken cancellationToken)
    {
        var interfaces = await MembersAsync(system.Link("EthernetInterfaces"), "nics", cancellationToken).ConfigureAwait(false);
        // Physical ports only: not VLAN sub-interfaces, not the host-to-BMC interface; one entry per MAC.
        var nics = interfaces
            .Where(n => !string.Equals(n.Str("EthernetInterfaceType"), "Virtual", StringComparison.OrdinalIgnoreCase))
            .Where(n => n.Path("Links", "HostInterface") is null)
            .DistinctBy(n => (n.Str("MACAddress") ?? n.Str("Id") ?? "").ToLowerInvariant())
            .Select(n => new ObservedNic
            {
                Id = Bounded(n, "nic", "Id") ?? "?",
                Mac = (Bounded(n, "nic", "MACAddress") ?? Bounded(n, "nic", "PermanentMACAddress"))?.ToLowerInvariant(),
                SpeedMbps = (int?)n.Long("SpeedMbps"),
            }).ToList();
        if (nics.Count > 0 || system.Link("EthernetInterfaces") is not null) return nics;

        // No EthernetInterfaces: fall back to the chassis' NetworkAdapters ports.
        foreach (var chassis in system.Objects("Links", "Chassis").Select(c => c.Str("@odata.id")).OfType<string>())
        {
            if (await TryGetAsync(chassis, "nics", cancellationToken).ConfigureAwait(false) is not { } body) continue;
            foreach (var adapter in await MembersAsync(body.Link("NetworkAdapters"), "nics", cancellationToken).ConfigureAwait(false))
            {
                var model = Bounded(adapter, "network adapter", "Model");
                foreach (var port in await MembersAsync(adapter.Link("NetworkPorts"), "nics", cancellationToken).ConfigureAwait(false))
                {
                    if (nics.Count >= InventoryLimits.MaxParts)
                        throw new BmcException($"{service.Resolve(chassis)}: NetworkAdapters: more than {InventoryLimits.MaxParts} ports") { Kind = BmcErrorKind.Protocol };
                    nics.Add(new ObservedNic
                    {
                        Id = Bounded(port, "network port", "Id") ?? "?",
                        Model = model,
                        Mac = (port.Strings("AssociatedNetworkAddresses") is { Count: > 0 } macs ? Clip(macs[0], InventoryLimits.MaxString).ToLowerInvariant() : null),
                        SpeedMbps = (int?)(port.Long("CurrentLinkSpeedMbps") ?? (port.Objects("SupportedLinkCapabilities") is { Count: > 0 } caps ? caps[0].Long("LinkSpeedMbps") : null)),
                    });
                }
            }
        }
        return nics;
    }

    private async Task<IReadOnlyList<ObservedDrive>> DrivesAsync(JsonElement system, CancellationToken cancellationToken)
    {
        var drives = new List<ObservedDrive>();
        foreach (var storage in await MembersAsync(system.Link("Storage"), "storage", cancellationToken).ConfigureAwait(false))
        {
            foreach (var link in storage.Objects("Drives").Select(d => d.Str("@odata.id")).OfType<string>())
            {
                if (drives.Count >= InventoryLimits.MaxParts)
                    throw new BmcException($"{service.Resolve(storage.Str("@odata.id") ?? link)}: Drives: more than {InventoryLimits.MaxParts} drives") { Kind = BmcErrorKind.Protocol };
                if (await TryGetAsync(link, "drives", cancellationToken).ConfigureAwait(false) is not { } d) continue;
                drives.Add(new ObservedDrive
                {
                    Id = Bounded(d, "drive", "Id") ?? Clip(link, InventoryLimits.MaxString), MediaType = Bounded(d, "drive", "MediaType"), Protocol = Bounded(d, "drive", "Protocol"),
                    CapacityBytes = d.Long("CapacityBytes"), Model = Bounded(d, "drive", "Model"), Serial = Bounded(d, "drive", "SerialNumber"),
                });
            }
        }
        if (drives.Count > 0) return drives;
        foreach (var simple in await MembersAsync(system.Link("SimpleStorage"), "storage", cancellationToken).ConfigureAwait(false))
        {
            var controller = Bounded(simple, "simple storage", "Id") ?? "?";
            var index = 0;
            foreach (var device in simple.Objects("Devices"))
            {
                if (device.Str("Status", "State") is "Absent") continue;
                if (drives.Count >= InventoryLimits.MaxParts)
                    throw new BmcException($"{service.Resolve(simple.Str("@odata.id") ?? controller)}: Devices: more than {InventoryLimits.MaxParts} drives") { Kind = BmcErrorKind.Protocol };
                drives.Add(new ObservedDrive
                {
                    Id = Bounded(device, "simple storage device", "Name") ?? $"{controller}-{index}", CapacityBytes = device.Long("CapacityBytes"),
                    Model = Bounded(device, "simple storage device", "Model"),
                });
                index++;
            }
        }
        return drives;
    }

    private async Task<IReadOnlyList<ObservedFirmware>> FirmwareAsync(JsonElement system, CancellationToken cancellationToken)
    {
        var firmware = new List<ObservedFirmware>();
        var root = await service.GetRootAsync(cancellationToken).ConfigureAwait(false);
        if (root.Link("UpdateService") is { } update && await TryGetAsync(update, "firmware", cancellationToken).ConfigureAwait(false) is { } updateBody)
        {
            foreach (var item in await MembersAsync(updateBody.Link("FirmwareInventory"), "firmware", cancellationToken).ConfigureAwait(false))
            {
                if (Bounded(item, "firmware", "Version") is { } version)
                    firmware.Add(new ObservedFirmware { Name = Bounded(item, "firmware", "Name") ?? Bounded(item, "firmware", "Id") ?? "?", Version = version });
            }
        }
        if (!firmware.Any(f => IsBmc(f.Name)))
        {
            IReadOnlyList<string> managers;
            try
            {
                managers = await service.ManagerIdsAsync(system, cancellationToken).ConfigureAwait(false);
            }
            catch (BmcException e)
            {
                _warnings.Add($"manager firmware: could not list managers: {e.HttpStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? e.Kind.ToString()}");
                managers = [];
            }
            foreach (var manager in managers)
            {
                if (await TryGetAsync(manager, "manager firmware", cancellationToken).ConfigureAwait(false) is { } m && Bounded(m, "manager", "FirmwareVersion") is { } version)
                    firmware.Add(new ObservedFirmware { Name = $"BMC {Bounded(m, "manager", "Id") ?? Clip(manager, InventoryLimits.MaxString - 4)}", Version = version });
            }
        }
        if (Bounded(system, "system", "BiosVersion") is { } bios && !firmware.Any(f => f.Name.Contains("BIOS", StringComparison.OrdinalIgnoreCase)))
            firmware.Add(new ObservedFirmware { Name = "BIOS", Version = bios });
        return [.. firmware.Take(InventoryLimits.MaxParts)];
    }

    private static bool IsBmc(string name) =>
        name.Contains("BMC", StringComparison.OrdinalIgnoreCase) || name.Contains("iDRAC", StringComparison.OrdinalIgnoreCase) || name.Contains("iLO", StringComparison.OrdinalIgnoreCase);
}
