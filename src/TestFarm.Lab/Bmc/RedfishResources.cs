using System.Text.Json.Nodes;
using TestFarm.Lab.Machines;

namespace TestFarm.Lab.Bmc;

/// <summary>Builds the Redfish bodies of one virtual BMC; every <c>@odata.id</c> carries the BMC's prefix.</summary>
internal static class RedfishResources
{
    public static JsonObject Link(string path) => new() { ["@odata.id"] = path };

    public static JsonObject Collection(string path, string type, string name, IEnumerable<string> members)
    {
        var array = new JsonArray([.. members.Select(m => (JsonNode)Link(m))]);
        return new JsonObject
        {
            ["@odata.id"] = path, ["@odata.type"] = $"#{type}.{type}", ["Name"] = name,
            ["Members@odata.count"] = array.Count, ["Members"] = array,
        };
    }

    public static JsonObject ServiceRoot(VirtualBmc bmc)
    {
        var r = VirtualBmc.RootPath;
        return new JsonObject
        {
            ["@odata.id"] = r, ["@odata.type"] = "#ServiceRoot.v1_11_0.ServiceRoot", ["Id"] = "RootService",
            ["Name"] = "TestFarm lab BMC " + bmc.Id, ["RedfishVersion"] = "1.11.0", ["Product"] = "TestFarm.Lab",
            ["UUID"] = Uuid(bmc.Index, 0),
            ["Systems"] = Link($"{r}/Systems"), ["Managers"] = Link($"{r}/Managers"), ["Chassis"] = Link($"{r}/Chassis"),
            ["SessionService"] = Link($"{r}/SessionService"), ["UpdateService"] = Link($"{r}/UpdateService"),
            ["TaskService"] = Link($"{r}/TaskService"),
            ["Links"] = new JsonObject { ["Sessions"] = Link($"{r}/SessionService/Sessions") },
        };
    }

    public static JsonObject System(VirtualBmc bmc)
    {
        var r = VirtualBmc.RootPath;
        var p = bmc.Profile;
        var s = $"{r}/Systems/1";
        return new JsonObject
        {
            ["@odata.id"] = s, ["@odata.type"] = "#ComputerSystem.v1_13_0.ComputerSystem", ["@odata.etag"] = bmc.ETag,
            ["Id"] = "1", ["Name"] = bmc.Id, ["SystemType"] = "Physical",
            ["Manufacturer"] = "TestFarm", ["Model"] = p.Name, ["SerialNumber"] = $"LAB{bmc.Index:D6}",
            ["UUID"] = Uuid(bmc.Index, 1), ["HostName"] = bmc.Id, ["BiosVersion"] = p.Firmware.Bios ?? "lab-1.0",
            ["PowerState"] = PowerState(bmc.Backend.PowerState),
            ["Status"] = new JsonObject { ["State"] = "Enabled", ["Health"] = "OK" },
            ["ProcessorSummary"] = new JsonObject
            {
                ["Count"] = bmc.Inventory.Cpus.Count, ["CoreCount"] = bmc.Inventory.Cpus.Sum(c => c.Cores), ["Model"] = p.Cpu.Model,
            },
            ["MemorySummary"] = new JsonObject { ["TotalSystemMemoryGiB"] = p.MemoryGiB },
            ["Boot"] = new JsonObject
            {
                ["BootSourceOverrideEnabled"] = bmc.BootEnabled,
                ["BootSourceOverrideEnabled@Redfish.AllowableValues"] = Strings(BootEnabledValues),
                ["BootSourceOverrideTarget"] = bmc.BootTarget,
                ["BootSourceOverrideTarget@Redfish.AllowableValues"] = Strings(BootTargetValues),
                ["BootSourceOverrideMode"] = bmc.BootMode,
                ["BootSourceOverrideMode@Redfish.AllowableValues"] = Strings(BootModeValues),
            },
            ["Processors"] = Link($"{s}/Processors"), ["Memory"] = Link($"{s}/Memory"),
            ["EthernetInterfaces"] = Link($"{s}/EthernetInterfaces"), ["Storage"] = Link($"{s}/Storage"),
            ["Links"] = new JsonObject
            {
                ["Chassis"] = new JsonArray(Link($"{r}/Chassis/1")), ["ManagedBy"] = new JsonArray(Link($"{r}/Managers/BMC")),
            },
            ["Actions"] = new JsonObject
            {
                ["#ComputerSystem.Reset"] = new JsonObject
                {
                    ["target"] = $"{s}/Actions/ComputerSystem.Reset",
                    ["ResetType@Redfish.AllowableValues"] = Strings(VirtualBmc.ResetTypes),
                },
            },
        };
    }

    public static JsonObject Manager(VirtualBmc bmc)
    {
        var r = VirtualBmc.RootPath;
        var m = $"{r}/Managers/BMC";
        return new JsonObject
        {
            ["@odata.id"] = m, ["@odata.type"] = "#Manager.v1_10_0.Manager", ["Id"] = "BMC", ["Name"] = "Lab BMC",
            ["ManagerType"] = "BMC", ["FirmwareVersion"] = bmc.Profile.Firmware.Bmc ?? "lab-1.0", ["UUID"] = Uuid(bmc.Index, 2),
            ["Status"] = new JsonObject { ["State"] = "Enabled", ["Health"] = "OK" },
            ["VirtualMedia"] = Link($"{m}/VirtualMedia"),
            ["Links"] = new JsonObject { ["ManagerForServers"] = new JsonArray(Link($"{r}/Systems/1")) },
        };
    }

    public static JsonObject VirtualMedia(VirtualBmc bmc)
    {
        var v = $"{VirtualBmc.RootPath}/Managers/BMC/VirtualMedia/Cd";
        var image = bmc.MediaImage;
        return new JsonObject
        {
            ["@odata.id"] = v, ["@odata.type"] = "#VirtualMedia.v1_3_0.VirtualMedia", ["Id"] = "Cd", ["Name"] = "Virtual CD",
            ["MediaTypes"] = new JsonArray("CD", "DVD"), ["ConnectedVia"] = image is null ? "NotConnected" : "URI",
            ["Image"] = image?.AbsoluteUri, ["ImageName"] = image is null ? null : Path.GetFileName(image.AbsolutePath),
            ["Inserted"] = image is not null, ["WriteProtected"] = true,
            ["Actions"] = new JsonObject
            {
                ["#VirtualMedia.InsertMedia"] = new JsonObject { ["target"] = $"{v}/Actions/VirtualMedia.InsertMedia" },
                ["#VirtualMedia.EjectMedia"] = new JsonObject { ["target"] = $"{v}/Actions/VirtualMedia.EjectMedia" },
            },
        };
    }

    public static JsonObject Chassis(VirtualBmc bmc)
    {
        var r = VirtualBmc.RootPath;
        return new JsonObject
        {
            ["@odata.id"] = $"{r}/Chassis/1", ["@odata.type"] = "#Chassis.v1_14_0.Chassis", ["Id"] = "1", ["Name"] = "Chassis",
            ["ChassisType"] = "RackMount", ["PowerState"] = PowerState(bmc.Backend.PowerState),
            ["Links"] = new JsonObject
            {
                ["ComputerSystems"] = new JsonArray(Link($"{r}/Systems/1")), ["ManagedBy"] = new JsonArray(Link($"{r}/Managers/BMC")),
            },
        };
    }

    public static JsonObject SessionService(VirtualBmc bmc) => new()
    {
        ["@odata.id"] = $"{VirtualBmc.RootPath}/SessionService", ["@odata.type"] = "#SessionService.v1_1_8.SessionService",
        ["Id"] = "SessionService", ["Name"] = "Session Service", ["ServiceEnabled"] = true, ["SessionTimeout"] = 1800,
        ["Sessions"] = Link($"{VirtualBmc.RootPath}/SessionService/Sessions"),
    };

    public static JsonObject Session(VirtualBmc bmc, LabSession session) => new()
    {
        ["@odata.id"] = $"{VirtualBmc.RootPath}/SessionService/Sessions/{session.Id}", ["@odata.type"] = "#Session.v1_3_0.Session",
        ["Id"] = session.Id, ["Name"] = "User Session", ["UserName"] = session.User,
    };

    public static JsonObject UpdateService(VirtualBmc bmc)
    {
        var u = $"{VirtualBmc.RootPath}/UpdateService";
        return new JsonObject
        {
            ["@odata.id"] = u, ["@odata.type"] = "#UpdateService.v1_8_0.UpdateService", ["Id"] = "UpdateService",
            ["Name"] = "Update Service", ["ServiceEnabled"] = true, ["FirmwareInventory"] = Link($"{u}/FirmwareInventory"),
            ["Actions"] = new JsonObject
            {
                ["#UpdateService.SimpleUpdate"] = new JsonObject
                {
                    ["target"] = $"{u}/Actions/UpdateService.SimpleUpdate",
                    ["TransferProtocol@Redfish.AllowableValues"] = new JsonArray("HTTP", "HTTPS"),
                },
            },
        };
    }

    public static JsonObject TaskService(VirtualBmc bmc) => new()
    {
        ["@odata.id"] = $"{VirtualBmc.RootPath}/TaskService", ["@odata.type"] = "#TaskService.v1_1_4.TaskService",
        ["Id"] = "TaskService", ["Name"] = "Task Service", ["ServiceEnabled"] = true,
        ["Tasks"] = Link($"{VirtualBmc.RootPath}/TaskService/Tasks"),
    };

    public static JsonObject Task(VirtualBmc bmc, LabTask task, DateTimeOffset now)
    {
        var done = task.IsDone(now);
        var elapsed = now - task.StartedAt;
        var percent = done ? 100 : (int)(100 * elapsed.TotalSeconds / Math.Max(1, task.Duration.TotalSeconds));
        return new JsonObject
        {
            ["@odata.id"] = $"{VirtualBmc.RootPath}/TaskService/Tasks/{task.Id}", ["@odata.type"] = "#Task.v1_4_3.Task",
            ["Id"] = task.Id, ["Name"] = task.Name, ["TaskState"] = done ? "Completed" : "Running",
            ["TaskStatus"] = "OK", ["PercentComplete"] = percent,
            ["StartTime"] = task.StartedAt.ToString("O", global::System.Globalization.CultureInfo.InvariantCulture),
            ["TaskMonitor"] = $"{VirtualBmc.RootPath}/TaskService/TaskMonitors/{task.Id}",
            ["Messages"] = new JsonArray(RedfishErrors.Message(done ? "TaskCompletedOK" : "TaskStarted", $"Task {task.Id} {(done ? "completed" : "started")}.", "OK", task.Id)),
        };
    }

    public static IReadOnlyList<string> BootEnabledValues { get; } = ["Disabled", "Once", "Continuous"];
    public static IReadOnlyList<string> BootTargetValues { get; } = ["None", "Pxe", "Cd", "Hdd", "BiosSetup", "UefiHttp"];
    public static IReadOnlyList<string> BootModeValues { get; } = ["UEFI", "Legacy"];

    public static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)JsonValue.Create(v))]);

    public static string PowerState(MachinePowerState state) => state switch
    {
        MachinePowerState.On => "On",
        MachinePowerState.PoweringOn => "PoweringOn",
        MachinePowerState.PoweringOff => "PoweringOff",
        _ => "Off",
    };

    private static string Uuid(int index, int kind) => $"{0x7e57fa40 + kind:x8}-0000-4000-8000-{index:x12}";
}
