using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
    /// <summary>Registers <see cref="IRunReportRenderer"/>.</summary>
    public static IServiceCollection AddTestFarmReporting(this IServiceCollection services)
    {
        services.TryAddSingleton<IRunReportRenderer, RunReportRenderer>();
        return services;
    }
}
