using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TestFarm.Orchestration.Pipeline;

namespace TestFarm.Server.Telemetry;

/// <summary>
/// Exports the farm's traces (a span per run, cell and phase: <see cref="FarmTelemetry"/>) over OTLP when the
/// standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable names a collector; the protocol, headers and timeout
/// come from the other standard <c>OTEL_EXPORTER_OTLP_*</c> variables. Without it nothing is exported.
/// </summary>
public static class FarmTracing
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>A tracer provider exporting to the configured collector, or null when none is configured.</summary>
    public static TracerProvider? StartFromEnvironment(string serviceName, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var endpoint = environment(EndpointVariable);
        if (string.IsNullOrWhiteSpace(endpoint)) return null;
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ArgumentException($"{EndpointVariable}: '{endpoint}' is not an http(s) URL of an OTLP collector");
        return Sdk.CreateTracerProviderBuilder()
            .ConfigureResource(r => r.AddService(serviceName))
            .AddSource(FarmTelemetry.SourceName)
            .AddOtlpExporter()
            .Build();
    }
}
