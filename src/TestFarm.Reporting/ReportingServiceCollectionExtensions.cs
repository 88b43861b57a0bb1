using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TestFarm.Core.Results;

namespace TestFarm.Reporting;

/// <summary>Renders all reports of a run (an injectable face of <see cref="RunReports.RenderAll"/>).</summary>
public interface IRunReportRenderer
{
    RenderedReports Render(RunResult run, string directory, ReportOptions? options = null);
}

public sealed class RunReportRenderer : IRunReportRenderer
{
    public RenderedReports Render(RunResult run, string directory, ReportOptions? options = null) =>
        RunReports.RenderAll(run, directory, options);
}

public static class ReportingServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IRunReportRenderer"/> and <see cref="RunFolders"/> over <see cref="ReportingOptions.DataDirectory"/>:
    /// from <paramref name="configure"/>, then configuration section <c>Reporting</c> when the container has an
    /// <see cref="IConfiguration"/>, validated at start.
    /// </summary>
    public static IServiceCollection AddTestFarmReporting(this IServiceCollection services, Action<ReportingOptions>? configure = null)
    {
        var options = services.AddOptions<ReportingOptions>();
        if (configure is not null) options.Configure(configure);
        options.Configure<IServiceProvider>((o, sp) => sp.GetService<IConfiguration>()?.GetSection(ReportingOptions.Section).Bind(o))
            .ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReportingOptions>, ReportingOptionsValidator>());
        services.TryAddSingleton<IRunReportRenderer, RunReportRenderer>();
        services.TryAddSingleton(sp => new RunFolders(sp.GetRequiredService<IOptions<ReportingOptions>>().Value.DataDirectory));
        return services;
    }
}
