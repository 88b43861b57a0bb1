using System.Text.Json.Nodes;
using TestFarm.Core.Hardware;
using static TestFarm.Lab.Bmc.RedfishResources;

namespace TestFarm.Lab.Bmc;

/// <summary>Redfish bodies of a lab machine's parts: processors, memory, NICs, storage, firmware.</summary>
internal static class InventoryResources
{
    private static string Sys(VirtualBmc bmc) => $"{VirtualBmc.RootPath}/Systems/1";

    public static JsonObject Processors(VirtualBmc bmc) =>
        Collection($"{Sys(bmc)}/Processors", "ProcessorCollection", "Processors", bmc.Inventory.Cpus.Select(c => $"{Sys(bmc)}/Processors/{c.Id}"));

    public static JsonObject? Processor(VirtualBmc bmc, string id)
    {
        var cpu = bmc.Inventory.Cpus.FirstOrDefault(c => c.Id == id);
        if (cpu is null) return null;
        var arm = cpu.Arch == CpuArchitecture.Arm64;
        return new JsonObject
        {
            ["@odata.id"] = $"{Sys(bmc)}/Processors/{cpu.Id}", ["@odata.type"] = "#Processor.v1_10_0.Processor",
            ["Id"] = cpu.Id, ["Name"] = "Processor", ["ProcessorType"] = "CPU", ["Manufacturer"] = cpu.Vendor, ["Model"] = cpu.Model,
            ["ProcessorArchitecture"] = arm ? "ARM" : "x86", ["InstructionSet"] = arm ? "ARM-A64" : "x86-64",
            ["TotalCores"] = cpu.Cores, ["TotalThreads"] = arm ? cpu.Cores : cpu.Cores * 2,
            ["Status"] = new JsonObject { ["State"] = "Enabled", ["Health"] = "OK" },
        };
    }

    public static JsonObject Memory(VirtualBmc bmc) =>
        Collection($"{Sys(bmc)}/Memory", "MemoryCollection", "Memory", bmc.Inventory.Dimms.Select(d => $"{Sys(bmc)}/Memory/{d.Id}"));

    public static JsonObject? Dimm(VirtualBmc bmc, string id)
    {
        var dimm = bmc.Inventory.Dimms.FirstOrDefault(d => d.Id == id);
        return dimm is null ? null : new JsonObject
        {
            ["@odata.id"] = $"{Sys(bmc)}/Memory/{dimm.Id}", ["@odata.type"] = "#Memory.v1_11_0.Memory",
            ["Id"] = dimm.Id, ["Name"] = dimm.Id, ["MemoryType"] = "DRAM", ["CapacityMiB"] = dimm.CapacityMiB,
            ["Status"] = new JsonObject { ["State"] = "Enabled", ["Health"] = "OK" },
        };
    }

    public static JsonObject EthernetInterfaces(VirtualBmc bmc) =>
        Collection($"{Sys(bmc)}/EthernetInterfaces", "EthernetInterfaceCollection", "Ethernet Interfaces",
            bmc.VisibleNics.Select(n => $"{Sys(bmc)}/EthernetInterfaces/{n.Id}"));

    public static JsonObject? EthernetInterface(VirtualBmc bmc, string id)
    {
        var nic = bmc.VisibleNics.FirstOrDefault(n => n.Id == id);
        if (nic is null) return null;
        var down = bmc.IsNicDown(nic.Id);
        return new JsonObject
        {
            ["@odata.id"] = $"{Sys(bmc)}/EthernetInterfaces/{nic.Id}", ["@odata.type"] = "#EthernetInterface.v1_6_0.EthernetInterface",
            ["Id"] = nic.Id, ["Name"] = $"{nic.Vendor} {nic.Model}", ["Description"] = $"{nic.Vendor} {nic.Model} ({nic.Driver}, {nic.Role})",
            ["MACAddress"] = nic.Mac, ["PermanentMACAddress"] = nic.Mac, ["SpeedMbps"] = nic.SpeedMbps,
            ["LinkStatus"] = down ? "LinkDown" : "LinkUp", ["InterfaceEnabled"] = true,
            ["Oem"] = new JsonObject { ["TestFarm"] = new JsonObject { ["Driver"] = nic.Driver, ["Role"] = nic.Role.ToString() } },
            ["Status"] = new JsonObject { ["State"] = "Enabled", ["Health"] = down ? "Warning" : "OK" },
        };
    }

    public static JsonObject Storages(VirtualBmc bmc) =>
        Collection($"{Sys(bmc)}/Storage", "StorageCollection", "Storage", [$"{Sys(bmc)}/Storage/1"]);

    public static JsonObject Storage(VirtualBmc bmc)
    {
        var drives = bmc.VisibleDrives.Select(d => (JsonNode)Link($"{Sys(bmc)}/Storage/1/Drives/{d.Id}")).ToArray();
        return new JsonObject
        {
            ["@odata.id"] = $"{Sys(bmc)}/Storage/1", ["@odata.type"] = "#Storage.v1_9_0.Storage", ["Id"] = "1", ["Name"] = "Storage",
            ["Drives@odata.count"] = drives.Length, ["Drives"] = new JsonArray(drives),
            ["Status"] = new JsonObject { ["State"] = "Enabled", ["Health"] = "OK" },
        };
    }

    public static JsonObject? Drive(VirtualBmc bmc, string id)
    {
        var drive = bmc.VisibleDrives.FirstOrDefault(d => d.Id == id);
        return drive is null ? null : new JsonObject
        {
            ["@odata.id"] = $"{Sys(bmc)}/Storage/1/Drives/{drive.Id}", ["@odata.type"] = "#Drive.v1_9_0.Drive",
            ["Id"] = drive.Id, ["Name"] = drive.Id, ["MediaType"] = drive.MediaType, ["Protocol"] = drive.Protocol,
            ["CapacityBytes"] = drive.CapacityBytes, ["Model"] = $"Lab {drive.Kind} {drive.CapacityBytes / 1_000_000_000} GB",
            ["Oem"] = new JsonObject { ["TestFarm"] = new JsonObject { ["Role"] = drive.Role.ToString() } },
            ["Status"] = new JsonObject { ["State"] = "Enabled", ["Health"] = "OK" },
        };
    }

    public static IReadOnlyList<(string Id, string Name, string Version)> Firmware(VirtualBmc bmc) =>
    [
        ("BIOS", "BIOS", bmc.Profile.Firmware.Bios ?? "lab-1.0"),
        ("BMC", "BMC", bmc.Profile.Firmware.Bmc ?? "lab-1.0"),
        ("NIC", "NIC", bmc.Profile.Firmware.Nic ?? "lab-1.0"),
    ];

    public static JsonObject FirmwareInventory(VirtualBmc bmc) =>
        Collection($"{VirtualBmc.RootPath}/UpdateService/FirmwareInventory", "SoftwareInventoryCollection", "Firmware Inventory",
            Firmware(bmc).Select(f => $"{VirtualBmc.RootPath}/UpdateService/FirmwareInventory/{f.Id}"));

    public static JsonObject? FirmwareItem(VirtualBmc bmc, string id)
    {
        var item = Firmware(bmc).FirstOrDefault(f => f.Id == id);
        return item.Id is null ? null : new JsonObject
        {
            ["@odata.id"] = $"{VirtualBmc.RootPath}/UpdateService/FirmwareInventory/{item.Id}",
            ["@odata.type"] = "#SoftwareInventory.v1_3_0.SoftwareInventory",
            ["Id"] = item.Id, ["Name"] = item.Name, ["Version"] = item.Version, ["Updateable"] = true,
            ["Status"] = new JsonObject { ["State"] = "Enabled", ["Health"] = "OK" },
        };
    }
}
