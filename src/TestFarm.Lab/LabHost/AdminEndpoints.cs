using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TestFarm.Lab.Bmc;
using TestFarm.Lab.Machines;

namespace TestFarm.Lab.LabHost;

/// <summary>
/// The lab's own admin API (no Redfish): list machines, read and set fault knobs, pull a drive,
/// take a NIC down. Under <c>/lab/machines</c> on 127.0.0.1 (never on a BMC's address).
/// </summary>
internal static class AdminEndpoints
{
    public static void MapLabAdmin(this IEndpointRouteBuilder app, Func<string, VirtualBmc?> find, Func<IEnumerable<VirtualBmc>> all)
    {
        var g = app.MapGroup("/lab/machines");
        g.MapGet("/", () => Results.Json(all().OrderBy(m => m.Index).Select(Info).ToList(), LabJsonContext.Default.ListLabMachineInfo));
        g.MapGet("/{id}", (string id) => find(id) is { } m ? Results.Json(Info(m), LabJsonContext.Default.LabMachineInfo) : NotFound(id));
        g.MapGet("/{id}/faults", (string id) => find(id) is { } m ? Results.Json(m.Faults, LabJsonContext.Default.FaultSettings) : NotFound(id));
        g.MapPut("/{id}/faults", async (string id, HttpContext c) =>
        {
            if (find(id) is not { } m) return NotFound(id);
            FaultSettings? faults;
            try { faults = await JsonSerializer.DeserializeAsync(c.Request.Body, LabJsonContext.Default.FaultSettings, c.RequestAborted).ConfigureAwait(false); }
            catch (JsonException ex) { return Results.Problem(statusCode: 400, title: "malformed faults JSON", detail: $"{ex.Path}: {ex.Message}"); }
            if (faults is null) return Results.Problem(statusCode: 400, title: "malformed faults JSON", detail: "body is null");
            var errors = faults.Validate();
            if (errors.Count > 0) return Results.Problem(statusCode: 400, title: "invalid faults", detail: string.Join("; ", errors));
            m.Faults = faults;
            return Results.Json(faults, LabJsonContext.Default.FaultSettings);
        });
        g.MapPost("/{id}/drives/{drive}/pull", (string id, string drive) => Drive(find(id), id, drive, pulled: true));
        g.MapPost("/{id}/drives/{drive}/insert", (string id, string drive) => Drive(find(id), id, drive, pulled: false));
        g.MapPost("/{id}/nics/{nic}/down", (string id, string nic, CancellationToken ct) => NicAsync(find(id), id, nic, up: false, ct));
        g.MapPost("/{id}/nics/{nic}/up", (string id, string nic, CancellationToken ct) => NicAsync(find(id), id, nic, up: true, ct));
    }

    private static IResult Drive(VirtualBmc? m, string id, string drive, bool pulled) =>
        m is null ? NotFound(id) : m.SetDrivePulled(drive, pulled) ? Results.NoContent() : NotFound($"{id}/drives/{drive}");

    private static async Task<IResult> NicAsync(VirtualBmc? m, string id, string nic, bool up, CancellationToken ct) =>
        m is null ? NotFound(id) : await m.SetNicLinkAsync(nic, up, ct).ConfigureAwait(false) ? Results.NoContent() : NotFound($"{id}/nics/{nic}");

    private static IResult NotFound(string what) => Results.Problem(statusCode: 404, title: "not found", detail: $"no lab machine or part '{what}'");

    public static LabMachineInfo Info(VirtualBmc m) => new()
    {
        Id = m.Id,
        Profile = m.Profile.Name,
        Backend = m.Backend is QemuMachine ? "qemu" : "simulated",
        PowerState = m.Backend.PowerState.ToString(),
        Phase = m.Backend.Phase.ToString(),
        CurrentBoot = m.Backend.CurrentBoot.ToString(),
        BootOverride = $"{m.BootEnabled}:{m.BootTarget}",
        ProvisioningMac = m.ProvisioningMac,
        ConsoleLog = m.Backend.ConsoleLogPath,
        RedfishRoot = new Uri(m.Url, VirtualBmc.RootPath).AbsoluteUri,
    };
}

/// <summary>One machine as the admin API lists it.</summary>
public sealed record LabMachineInfo
{
    public required string Id { get; init; }
    public required string Profile { get; init; }
    public required string Backend { get; init; }
    public required string PowerState { get; init; }
    public required string Phase { get; init; }
    public required string CurrentBoot { get; init; }
    public required string BootOverride { get; init; }
    public required string ProvisioningMac { get; init; }
    public string? ConsoleLog { get; init; }
    /// <summary>The BMC's service root on its own address, <c>http://127.0.100.N:PORT/redfish/v1</c>.</summary>
    public required string RedfishRoot { get; init; }
}
