using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TestFarm.Core.Configuration;
using TestFarm.Scenarios.Chaos;
using TestFarm.Scenarios.Checks;
using TestFarm.Scenarios.Conformance;
using TestFarm.Scenarios.Engine;
using TestFarm.Scenarios.Load;
using TestFarm.Scenarios.Probes;
using TestFarm.Scenarios.Validation;

namespace TestFarm.Scenarios;

public static class ScenariosServiceCollectionExtensions
{
    /// <summary>The key of the <see cref="HttpClient"/> probes and checks use (owned by the container).</summary>
    public const string ProbeHttpClient = "testfarm-probes";

    /// <summary>
    /// Registers the step validators (for <c>testfarm validate</c>), the step executors, <see cref="SuiteRunner"/> and the probes'
    /// <see cref="IProbeTransport"/> over the network. <see cref="ScenariosOptions"/> start from <paramref name="configure"/>, then
    /// configuration section <c>Scenarios</c> when the container has an <see cref="IConfiguration"/>, validated at start.
    /// </summary>
    public static IServiceCollection AddTestFarmScenarios(this IServiceCollection services, Action<ScenariosOptions>? configure = null)
    {
        var options = services.AddOptions<ScenariosOptions>();
        if (configure is not null) options.Configure(configure);
        options.Configure<IServiceProvider>((o, sp) => sp.GetService<IConfiguration>()?.GetSection(ScenariosOptions.Section).Bind(o))
            .ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ScenariosOptions>, ScenariosOptionsValidator>());
        services.AddHttpClient(ProbeHttpClient).ConfigureHttpClient((sp, c) => c.Timeout = sp.GetRequiredService<IOptions<ScenariosOptions>>().Value.ProbeTimeout);
        services.TryAddSingleton<IProbeTransport>(sp => new NetworkProbeTransport(sp.GetRequiredService<IHttpClientFactory>().CreateClient(ProbeHttpClient)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepValidator, ConformanceStepValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepValidator, JUnitStepValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepValidator, ApiChecksStepValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepValidator, ChaosStepValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepValidator, ProbeStepValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepValidator, LoadStepValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, ConformanceStepExecutor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, JUnitStepExecutor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, ApiChecksStepExecutor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, ChaosStepExecutor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, ProbeStepExecutor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, LoadStepExecutor>());
        services.TryAddSingleton<SuiteRunner>();
        return services;
    }

    internal static IEnumerable<IStepExecutor> BuiltInExecutors(ILoggerFactory loggers) =>
    [
        new ConformanceStepExecutor(), new JUnitStepExecutor(), new ApiChecksStepExecutor(),
        new ChaosStepExecutor(loggers.CreateLogger<ChaosStepExecutor>()), new ProbeStepExecutor(), new LoadStepExecutor(),
    ];

    /// <summary>The validators without DI, e.g. for a loader in tests.</summary>
    public static IReadOnlyList<IStepValidator> BuiltInValidators() =>
    [
        new ConformanceStepValidator(), new JUnitStepValidator(), new ApiChecksStepValidator(),
        new ChaosStepValidator(), new ProbeStepValidator(), new LoadStepValidator(),
    ];
}
