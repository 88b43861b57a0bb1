using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static TestFarm.Lab.Bmc.RedfishResources;

namespace TestFarm.Lab.Bmc;

/// <summary>The read side of the virtual BMCs: every GET under <c>/redfish/v1</c> (the BMC is the address the request came in on).</summary>
internal static class RedfishEndpoints
{
    public const string Prefix = "/redfish/v1";

    public static VirtualBmc Bmc(this HttpContext context) => (VirtualBmc)context.Items[BmcRequestGate.ItemKey]!;

    public static IResult Ok(JsonNode? body, string? etag = null) => new RedfishResult(body, etag: etag);

    private static IResult OkOrNotFound(HttpContext context, JsonNode? body) => body is null ? RedfishErrors.NotFound(context) : Ok(body);

    public static void MapRedfish(this IEndpointRouteBuilder app, TimeProvider time)
    {
        app.MapGet("/redfish", (HttpContext c) => Ok(new JsonObject { ["v1"] = $"{VirtualBmc.RootPath}/" }));
        var g = app.MapGroup(Prefix);
        g.MapGet("/", (HttpContext c) => Ok(ServiceRoot(c.Bmc())));
        g.MapGet("/Systems", (HttpContext c) => Ok(Collection($"{VirtualBmc.RootPath}/Systems", "ComputerSystemCollection", "Computer Systems", [$"{VirtualBmc.RootPath}/Systems/1"])));
        g.MapGet("/Systems/1", (HttpContext c) => { var b = c.Bmc(); var s = RedfishResources.System(b); return Ok(s, s["@odata.etag"]!.GetValue<string>()); });
        g.MapGet("/Systems/1/Processors", (HttpContext c) => Ok(InventoryResources.Processors(c.Bmc())));
        g.MapGet("/Systems/1/Processors/{id}", (HttpContext c, string id) => OkOrNotFound(c, InventoryResources.Processor(c.Bmc(), id)));
        g.MapGet("/Systems/1/Memory", (HttpContext c) => Ok(InventoryResources.Memory(c.Bmc())));
        g.MapGet("/Systems/1/Memory/{id}", (HttpContext c, string id) => OkOrNotFound(c, InventoryResources.Dimm(c.Bmc(), id)));
        g.MapGet("/Systems/1/EthernetInterfaces", (HttpContext c) => Ok(InventoryResources.EthernetInterfaces(c.Bmc())));
        g.MapGet("/Systems/1/EthernetInterfaces/{id}", (HttpContext c, string id) => OkOrNotFound(c, InventoryResources.EthernetInterface(c.Bmc(), id)));
        g.MapGet("/Systems/1/Storage", (HttpContext c) => Ok(InventoryResources.Storages(c.Bmc())));
        g.MapGet("/Systems/1/Storage/1", (HttpContext c) => Ok(InventoryResources.Storage(c.Bmc())));
        g.MapGet("/Systems/1/Storage/1/Drives/{id}", (HttpContext c, string id) => OkOrNotFound(c, InventoryResources.Drive(c.Bmc(), id)));
        g.MapGet("/Managers", (HttpContext c) => Ok(Collection($"{VirtualBmc.RootPath}/Managers", "ManagerCollection", "Managers", [$"{VirtualBmc.RootPath}/Managers/BMC"])));
        g.MapGet("/Managers/BMC", (HttpContext c) => Ok(Manager(c.Bmc())));
        g.MapGet("/Managers/BMC/VirtualMedia", (HttpContext c) => Ok(Collection($"{VirtualBmc.RootPath}/Managers/BMC/VirtualMedia", "VirtualMediaCollection", "Virtual Media", [$"{VirtualBmc.RootPath}/Managers/BMC/VirtualMedia/Cd"])));
        g.MapGet("/Managers/BMC/VirtualMedia/Cd", (HttpContext c) => Ok(VirtualMedia(c.Bmc())));
        g.MapGet("/Chassis", (HttpContext c) => Ok(Collection($"{VirtualBmc.RootPath}/Chassis", "ChassisCollection", "Chassis", [$"{VirtualBmc.RootPath}/Chassis/1"])));
        g.MapGet("/Chassis/1", (HttpContext c) => Ok(Chassis(c.Bmc())));
        g.MapGet("/SessionService", (HttpContext c) => Ok(SessionService(c.Bmc())));
        g.MapGet("/SessionService/Sessions", (HttpContext c) => Ok(Collection($"{VirtualBmc.RootPath}/SessionService/Sessions", "SessionCollection", "Sessions",
            c.Bmc().Sessions.Values.Select(s => $"{VirtualBmc.RootPath}/SessionService/Sessions/{s.Id}"))));
        g.MapGet("/SessionService/Sessions/{id}", (HttpContext c, string id) =>
            c.Bmc().Sessions.TryGetValue(id, out var s) ? Ok(Session(c.Bmc(), s)) : RedfishErrors.NotFound(c));
        g.MapGet("/UpdateService", (HttpContext c) => Ok(UpdateService(c.Bmc())));
        g.MapGet("/UpdateService/FirmwareInventory", (HttpContext c) => Ok(InventoryResources.FirmwareInventory(c.Bmc())));
        g.MapGet("/UpdateService/FirmwareInventory/{id}", (HttpContext c, string id) => OkOrNotFound(c, InventoryResources.FirmwareItem(c.Bmc(), id)));
        g.MapGet("/TaskService", (HttpContext c) => Ok(TaskService(c.Bmc())));
        g.MapGet("/TaskService/Tasks", (HttpContext c) => Ok(Collection($"{VirtualBmc.RootPath}/TaskService/Tasks", "TaskCollection", "Tasks",
            c.Bmc().Tasks.Values.OrderBy(t => t.StartedAt).Select(t => $"{VirtualBmc.RootPath}/TaskService/Tasks/{t.Id}"))));
        g.MapGet("/TaskService/Tasks/{id}", (HttpContext c, string id) =>
            c.Bmc().Tasks.TryGetValue(id, out var t) ? Ok(Task(c.Bmc(), t, time.GetUtcNow())) : RedfishErrors.NotFound(c));
        g.MapGet("/TaskService/TaskMonitors/{id}", (HttpContext c, string id) =>
        {
            if (!c.Bmc().Tasks.TryGetValue(id, out var t)) return RedfishErrors.NotFound(c);
            var now = time.GetUtcNow();
            var body = Task(c.Bmc(), t, now);
            return t.IsDone(now) ? Ok(body) : new RedfishResult(body, StatusCodes.Status202Accepted, location: $"{VirtualBmc.RootPath}/TaskService/TaskMonitors/{id}");
        });
        g.MapActions(time);
    }
}
