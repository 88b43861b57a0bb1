using System.Text.Json;
using Microsoft.Extensions.Logging;
using TestFarm.Core.Bmc;
using TestFarm.Redfish.Http;
using TestFarm.Redfish.Json;
using TestFarm.Redfish.Tasks;

namespace TestFarm.Redfish.VirtualMedia;

/// <summary>Where a BMC keeps its virtual media: under the system (newer) or its manager (older), or nowhere.</summary>
public enum VirtualMediaPlacement { None, Systems, Managers }

/// <summary>
/// Virtual media found through the <c>VirtualMedia</c> link of the system or of its managers, never a
/// hard-coded path. Only standard InsertMedia/EjectMedia are used; OEM-only media is reported unsupported.
/// </summary>
public sealed class VirtualMediaOperations(RedfishService service, ILogger logger)
{
    public async Task<(VirtualMediaPlacement Placement, string? Collection)> LocateAsync(JsonElement system, CancellationToken cancellationToken)
    {
        if (system.Link("VirtualMedia") is { } onSystem) return (VirtualMediaPlacement.Systems, onSystem);
        foreach (var manager in await service.ManagerIdsAsync(system, cancellationToken).ConfigureAwait(false))
        {
            var body = (await service.GetAsync(manager, cancellationToken).ConfigureAwait(false)).Json;
            if (body.Link("VirtualMedia") is { } onManager) return (VirtualMediaPlacement.Managers, onManager);
        }
        return (VirtualMediaPlacement.None, null);
    }

    public async Task InsertAsync(Uri image, CancellationToken cancellationToken)
    {
        var (device, action) = await FindActionAsync("#VirtualMedia.InsertMedia", cancellationToken).ConfigureAwait(false);
        var request = new InsertMediaRequest
        {
            Image = image.ToString(),
            TransferProtocolType = Pick(action.Strings("TransferProtocolType@Redfish.AllowableValues"), image.Scheme.ToUpperInvariant()),
            TransferMethod = Pick(action.Strings("TransferMethod@Redfish.AllowableValues"), "Stream"),
        };
        await PostAsync(device, action, (transport, target, ct) => transport.PostAsync(target, request, ct), cancellationToken).ConfigureAwait(false);
    }

    public async Task EjectAsync(CancellationToken cancellationToken)
    {
        var (device, action) = await FindActionAsync("#VirtualMedia.EjectMedia", cancellationToken).ConfigureAwait(false);
        await PostAsync(device, action, (transport, target, ct) => transport.PostAsync(target, new EmptyRequest(), ct), cancellationToken).ConfigureAwait(false);
    }

    private static string? Pick(IReadOnlyList<string> allowed, string wanted) =>
        allowed.Count == 0 ? null : allowed.FirstOrDefault(a => string.Equals(a, wanted, StringComparison.OrdinalIgnoreCase)) ?? allowed[0];

    private async Task PostAsync(RedfishResponse device, JsonElement action,
        Func<RedfishTransport, Uri, CancellationToken, Task<RedfishResponse>> post, CancellationToken cancellationToken)
    {
        var target = action.Str("target")
            ?? throw new BmcException($"{device.Uri}: virtual media action has no target", null, null, device.Body, device.Uri) { Kind = BmcErrorKind.Protocol };
        var response = await post(service.Transport, service.Resolve(target), cancellationToken).ConfigureAwait(false);
        await TaskMonitor.CompleteAsync(service.Transport, response, logger, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The CD/DVD device (else the first) and its standard action.</summary>
    private async Task<(RedfishResponse Device, JsonElement Action)> FindActionAsync(string actionName, CancellationToken cancellationToken)
    {
        var system = await service.GetSystemAsync(cancellationToken).ConfigureAwait(false);
        var (_, collection) = await LocateAsync(system.Json, cancellationToken).ConfigureAwait(false);
        if (collection is null)
            throw new BmcException($"{system.Uri}: neither the system nor its managers link VirtualMedia", null, null, null, system.Uri) { Kind = BmcErrorKind.Unsupported };
        var devices = new List<RedfishResponse>();
        foreach (var member in (await service.GetAsync(collection, cancellationToken).ConfigureAwait(false)).Json.Members())
            devices.Add(await service.GetAsync(member, cancellationToken).ConfigureAwait(false));
        if (devices.Count == 0)
            throw new BmcException($"{service.Resolve(collection)} has no virtual media devices") { Kind = BmcErrorKind.Unsupported };
        // A CD/DVD device first; for eject the inserted one, for insert a free one.
        var eject = actionName.Contains("Eject", StringComparison.Ordinal);
        var ordered = devices
            .OrderByDescending(d => d.Json.Strings("MediaTypes").Any(t => t.StartsWith("CD", StringComparison.OrdinalIgnoreCase) || t.StartsWith("DVD", StringComparison.OrdinalIgnoreCase)))
            .ThenByDescending(d => (d.Json.Str("Inserted") == "true") == eject)
            .ToList();
        foreach (var device in ordered)
        {
            if (device.Json.Path("Actions", actionName) is { } action) return (device, action);
        }
        var oem = ordered.Any(d => d.Json.Path("Actions", "Oem") is not null || d.Json.Path("Oem") is { } o && o.ToString().Contains("Actions", StringComparison.Ordinal));
        throw new BmcException($"{ordered[0].Uri}: no standard {actionName} action{(oem ? " (only OEM actions, which the farm does not use)" : "")}",
            null, null, ordered[0].Body, ordered[0].Uri)
        { Kind = BmcErrorKind.Unsupported };
    }
}
