using Microsoft.Extensions.Logging;
using TestFarm.Core.Bmc;
using TestFarm.Core.Pool;
using TestFarm.Redfish.Auth;
using TestFarm.Redfish.Boot;
using TestFarm.Redfish.Factory;
using TestFarm.Redfish.Http;
using TestFarm.Redfish.Inspect;
using TestFarm.Redfish.Inventory;
using TestFarm.Redfish.Power;
using TestFarm.Redfish.VirtualMedia;

namespace TestFarm.Redfish;

/// <summary>
/// <see cref="IBmcClient"/> over Redfish for one BMC. Built by <see cref="RedfishClientFactory"/>, for a
/// pool machine or for a URL, on the factory's one Redfish HTTP client. Disposing deletes the Redfish session, if one was made.
/// </summary>
public sealed class RedfishClient : IBmcClient
{
    private readonly RedfishAuth _auth;
    private readonly ILogger _logger;
    private readonly PowerOperations _power;
    private readonly BootOverrideOperations _boot;
    private readonly VirtualMediaOperations _media;

    internal RedfishClient(HttpClient http, Uri bmcUrl, RedfishAuth auth, RedfishOptions options, TimeProvider time,
        ILogger logger, SemaphoreSlim concurrency, BmcTlsOptions tls)
    {
        _auth = auth;
        _logger = logger;
        Transport = new RedfishTransport(http, new RedfishEndpoint(bmcUrl), auth, options, time, concurrency, tls, _logger);
        Service = new RedfishService(Transport);
        _power = new PowerOperations(Service, _logger);
        _boot = new BootOverrideOperations(Service, _logger);
        _media = new VirtualMediaOperations(Service, _logger);
    }

    public RedfishTransport Transport { get; }

    /// <summary>What this client disposes with itself (the factory of a standalone client).</summary>
    internal IDisposable? Owner { get; set; }

    public RedfishService Service { get; }

    public Task<PowerState> GetPowerStateAsync(CancellationToken cancellationToken = default) => _power.GetStateAsync(cancellationToken);

    public Task ResetAsync(PowerIntent intent, CancellationToken cancellationToken = default) => _power.ResetAsync(intent, cancellationToken);

    public Task WaitForPowerStateAsync(PowerState target, TimeSpan deadline, CancellationToken cancellationToken = default) =>
        _power.WaitAsync(target, deadline, cancellationToken);

    public Task SetOneTimeBootAsync(BootTarget target, BootModeRequest mode = BootModeRequest.Unchanged, CancellationToken cancellationToken = default) =>
        _boot.SetOnceAsync(target, mode, cancellationToken);

    public Task<BootOverride> GetBootOverrideAsync(CancellationToken cancellationToken = default) => _boot.GetAsync(cancellationToken);

    public Task InsertVirtualMediaAsync(Uri image, CancellationToken cancellationToken = default) => _media.InsertAsync(image, cancellationToken);

    public Task EjectVirtualMediaAsync(CancellationToken cancellationToken = default) => _media.EjectAsync(cancellationToken);

    public async Task<ObservedHardware> GetInventoryAsync(CancellationToken cancellationToken = default)
    {
        var system = await Service.GetSystemAsync(cancellationToken).ConfigureAwait(false);
        return await new InventoryReader(Service).ReadAsync(system.Json, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Everything <c>testfarm redfish inspect</c> prints (without drift, which needs a profile).</summary>
    public Task<InspectReport> InspectAsync(CancellationToken cancellationToken = default) =>
        new RedfishInspector(Service, _media).InspectAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _auth.LogoutAsync(Transport).ConfigureAwait(false);
        Owner?.Dispose();
    }
}
