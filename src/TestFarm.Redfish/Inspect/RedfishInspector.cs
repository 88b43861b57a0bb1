using System.Globalization;
using TestFarm.Core.Bmc;
using TestFarm.Redfish.Boot;
using TestFarm.Redfish.Http;
using TestFarm.Redfish.Inventory;
using TestFarm.Redfish.Json;
using TestFarm.Redfish.VirtualMedia;

namespace TestFarm.Redfish.Inspect;

/// <summary>Reads every system and manager of one BMC into an <see cref="InspectReport"/>; unreadable parts become warnings.</summary>
public sealed class RedfishInspector(RedfishService service, VirtualMediaOperations media)
{
    public async Task<InspectReport> InspectAsync(CancellationToken cancellationToken)
    {
        var root = await service.GetRootAsync(cancellationToken).ConfigureAwait(false);
        var warnings = new List<string>();
        var systems = new List<InspectSystem>();
        if (root.Link("Systems") is null) warnings.Add("service root has no Systems link");
        foreach (var id in await TryMembersAsync("Systems", warnings, cancellationToken).ConfigureAwait(false))
        {
            RedfishResponse system;
            try
            {
                system = await service.GetAsync(id, cancellationToken).ConfigureAwait(false);
            }
            catch (BmcException e)
            {
                warnings.Add($"system {id}: {e.Message}");
                continue;
            }
            systems.Add(await SystemAsync(system, warnings, cancellationToken).ConfigureAwait(false));
        }
        var managers = new List<InspectManager>();
        foreach (var id in await TryMembersAsync("Managers", warnings, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                var manager = (await service.GetAsync(id, cancellationToken).ConfigureAwait(false)).Json;
                managers.Add(new InspectManager(manager.Str("Id") ?? id, manager.Str("FirmwareVersion")));
            }
            catch (BmcException e)
            {
                warnings.Add($"manager {id}: {e.Message}");
            }
        }
        return new InspectReport { RedfishVersion = root.Str("RedfishVersion"), Systems = systems, Managers = managers, Warnings = warnings };
    }

    private async Task<IReadOnlyList<string>> TryMembersAsync(string property, List<string> warnings, CancellationToken cancellationToken)
    {
        try
        {
            return await service.RootMembersAsync(property, cancellationToken).ConfigureAwait(false);
        }
        catch (BmcException e)
        {
            warnings.Add($"{property}: {e.Message}");
            return [];
        }
    }

    private async Task<InspectSystem> SystemAsync(RedfishResponse response, List<string> warnings, CancellationToken cancellationToken)
    {
        var system = response.Json;
        var hardware = await new InventoryReader(service).ReadAsync(system, cancellationToken).ConfigureAwait(false);
        warnings.AddRange(hardware.Warnings);
        var placement = VirtualMediaPlacement.None;
        try
        {
            placement = (await media.LocateAsync(system, cancellationToken).ConfigureAwait(false)).Placement;
        }
        catch (BmcException e)
        {
            warnings.Add($"virtual media: {e.Message}");
        }
        var boot = BootOverrideOperations.Read(system);
        return new InspectSystem
        {
            Id = system.Str("Id") ?? response.Uri.AbsolutePath,
            Uri = system.Str("@odata.id") ?? response.Uri.AbsolutePath,
            Manufacturer = hardware.Manufacturer,
            Model = hardware.Model,
            PowerState = system.Str("PowerState"),
            ProcessorCount = hardware.ProcessorCount,
            MemoryGiB = hardware.MemoryGiB,
            ResetTypes = system.Strings("Actions", "#ComputerSystem.Reset", "ResetType@Redfish.AllowableValues"),
            Boot = new InspectBoot(boot.Enabled, boot.Target, boot.Mode, boot.AllowedTargets),
            VirtualMediaUnder = placement == VirtualMediaPlacement.None ? "none" : placement.ToString(),
            Nics = hardware.Nics.Select(n => new InspectNic(n.Id, n.Mac, n.SpeedMbps)).ToList(),
            Drives = hardware.Drives.Select(d => new InspectDrive(d.Id, d.MediaType, d.CapacityBytes)).ToList(),
            Firmware = hardware.Firmware.Select(f => new InspectFirmware(f.Name, f.Version)).ToList(),
        };
    }

    public static InspectReport WithDrift(InspectReport report, IEnumerable<DriftItem> drift) =>
        report with { Drift = drift.Select(d => new InspectDrift(d.Component, d.Expected, d.Observed)).ToList() };

    internal static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
