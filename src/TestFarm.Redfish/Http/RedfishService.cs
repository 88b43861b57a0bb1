using System.Text.Json;
using TestFarm.Core.Bmc;
using TestFarm.Redfish.Json;

namespace TestFarm.Redfish.Http;

/// <summary>
/// Discovery from the ServiceRoot: every resource is reached through <c>@odata.id</c> links
/// (<c>Systems</c>, <c>Managers</c>, <c>UpdateService</c>, <c>Links.Sessions</c>), never a hard-coded path.
/// </summary>
public sealed class RedfishService(RedfishTransport transport)
{
    private RedfishResponse? _root;
    private string? _systemId;

    public RedfishTransport Transport => transport;

    public async Task<JsonElement> GetRootAsync(CancellationToken cancellationToken)
    {
        _root ??= await transport.GetRootAsync(cancellationToken).ConfigureAwait(false);
        return _root.Json;
    }

    public async Task<RedfishResponse> GetAsync(string odataId, CancellationToken cancellationToken) =>
        await transport.GetAsync(odataId, cancellationToken).ConfigureAwait(false);

    /// <summary>Member links of the collection that the root's <paramref name="property"/> links to; empty when absent.</summary>
    public async Task<IReadOnlyList<string>> RootMembersAsync(string property, CancellationToken cancellationToken)
    {
        var root = await GetRootAsync(cancellationToken).ConfigureAwait(false);
        if (root.Link(property) is not { } link) return [];
        return (await GetAsync(link, cancellationToken).ConfigureAwait(false)).Json.Members();
    }

    /// <summary>The machine's ComputerSystem (the first member of <c>Systems</c>).</summary>
    public async Task<string> SystemIdAsync(CancellationToken cancellationToken)
    {
        if (_systemId is not null) return _systemId;
        var systems = await RootMembersAsync("Systems", cancellationToken).ConfigureAwait(false);
        _systemId = systems.Count > 0 ? systems[0]
            : throw new BmcException($"{transport.Endpoint.ServiceRoot} lists no ComputerSystem") { Kind = BmcErrorKind.Protocol };
        return _systemId;
    }

    public async Task<RedfishResponse> GetSystemAsync(CancellationToken cancellationToken) =>
        await GetAsync(await SystemIdAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>The managers of the system (<c>Links.ManagedBy</c>), else all of the root's managers.</summary>
    public async Task<IReadOnlyList<string>> ManagerIdsAsync(JsonElement system, CancellationToken cancellationToken)
    {
        var managedBy = system.Objects("Links", "ManagedBy").Select(m => m.Str("@odata.id")).OfType<string>().ToList();
        return managedBy.Count > 0 ? managedBy : await RootMembersAsync("Managers", cancellationToken).ConfigureAwait(false);
    }

    public Uri Resolve(string odataId) => transport.Endpoint.Resolve(odataId);
}
