using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;
using TestFarm.Core.Pool;
using TestFarm.Orchestration.Backends;
using TestFarm.Orchestration.Pipeline;

namespace TestFarm.Server.Runs;

/// <summary>
/// A started backend (<c>AddLabMachines()</c> or <c>AddPoolMachines()</c>): its container built, its options validated (each
/// failure names key and value, as <see cref="OptionsValidationException"/>), its <see cref="IFarmStart"/> work done, and the
/// <see cref="IFarmBackend"/> the engine uses. Disposing it stops what the backend started, in reverse order.
/// </summary>
public sealed class FarmBackendHost : IFarmBackend, IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly IFarmBackend _backend;

    private FarmBackendHost(ServiceProvider services)
    {
        _services = services;
        _backend = services.GetRequiredService<IFarmBackend>();
    }

    /// <summary>The backend's container (its ports, for diagnostics and tests).</summary>
    public IServiceProvider Services => _services;

    /// <summary>
    /// Builds the container from <paramref name="services"/> with <paramref name="time"/>, <paramref name="loggers"/> and, when
    /// given, <paramref name="configuration"/> (so sections such as <c>Redfish</c> or <c>Provisioning</c> override the backend's
    /// values), validates the options and starts the backend.
    /// </summary>
    public static async Task<FarmBackendHost> StartAsync(IServiceCollection services, TimeProvider time, ILoggerFactory loggers,
        IConfiguration? configuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(time);
        services.AddSingleton(loggers);
        services.AddLogging();
        if (configuration is not null) services.AddSingleton(configuration);
        services.TryAddSingleton<IFarmBackend, FarmBackend>();
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        try
        {
            Validate(provider);
            foreach (var start in provider.GetServices<IFarmStart>()) await start.StartAsync(cancellationToken);
            return new FarmBackendHost(provider);
        }
        catch
        {
            await provider.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every option of every adapter checked; all failures in one <see cref="OptionsValidationException"/>.</summary>
    private static void Validate(IServiceProvider provider)
    {
        try
        {
            provider.GetService<IStartupValidator>()?.Validate();
        }
        catch (AggregateException e) when (e.InnerExceptions.All(i => i is OptionsValidationException))
        {
            var failures = e.InnerExceptions.Cast<OptionsValidationException>().ToList();
            throw new OptionsValidationException(failures[0].OptionsName, failures[0].OptionsType, failures.SelectMany(f => f.Failures));
        }
    }

    public PoolInventory Pool => _backend.Pool;
    public IReadOnlyDictionary<string, HardwareProfile> Profiles => _backend.Profiles;
    public string BuildId => _backend.BuildId;
    public string ArtifactsRoot => _backend.ArtifactsRoot;
    public IMachineProvisioner Provisioner => _backend.Provisioner;
    public IClusterBringUp Clusters => _backend.Clusters;
    public ISuiteRunner Suites => _backend.Suites;
    public IBmcClientFactory Bmcs => _backend.Bmcs;

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
