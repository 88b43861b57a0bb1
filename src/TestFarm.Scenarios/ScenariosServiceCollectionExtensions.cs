using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
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
    /// <summary>Registers the step validators (for <c>testfarm validate</c>), the step executors and <see cref="SuiteRunner"/>.</summary>
    public static IServiceCollection AddTestFarmScenarios(this IServiceCollection services)
    {
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
