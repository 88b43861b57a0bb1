using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Server.Telemetry;
using TestFarm.Testing;

namespace TestFarm.Cli.Tests.Telemetry;

/// <summary>The farm's spans reach an OTLP/HTTP collector (a receiver on 127.0.0.1 standing in for one).</summary>
[NonParallelizable, CancelAfter(60_000)]
public sealed class FarmTracingTests
{
    [Test]
    public async Task Spans_of_a_cell_are_exported_over_otlp_http_when_the_endpoint_is_set(CancellationToken ct)
    {
        var bodies = new ConcurrentQueue<(string Path, string ContentType, byte[] Body)>();
        await using var collector = await LoopbackServer.StartAsync(app => app.MapPost("/v1/traces", async (HttpContext http) =>
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer);
            bodies.Enqueue((http.Request.Path, http.Request.ContentType ?? "", buffer.ToArray()));
            return Results.Ok();
        }), cancellationToken: ct);
        var address = collector.Address.ToString();

        Environment.SetEnvironmentVariable(FarmTracing.EndpointVariable, address);
        Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
        try
        {
            using (var tracing = FarmTracing.StartFromEnvironment("testfarm-test"))
            {
                Assert.That(tracing, Is.Not.Null);
                using var cell = FarmTelemetry.Source.StartActivity("cell");
                cell?.SetTag(FarmTelemetry.Tags.CellId, "nightly/epyc-9354-e810/1cp-2w");
                using (var phase = FarmTelemetry.Source.StartActivity("phase reimage"))
                    phase?.SetTag(FarmTelemetry.Tags.Phase, "reimage");
            } // disposing flushes the batch
        }
        finally
        {
            Environment.SetEnvironmentVariable(FarmTracing.EndpointVariable, null);
            Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL", null);
        }

        Assert.That(bodies, Is.Not.Empty, "the collector received an export");
        var (path, contentType, body) = bodies.First();
        Assert.That(path, Is.EqualTo("/v1/traces"));
        Assert.That(contentType, Is.EqualTo("application/x-protobuf"));
        var text = Encoding.UTF8.GetString(body); // protobuf keeps strings as UTF-8 bytes
        Assert.That(text, Does.Contain("phase reimage").And.Contain("nightly/epyc-9354-e810/1cp-2w")
            .And.Contain(FarmTelemetry.SourceName).And.Contain("testfarm-test"));
    }

    [Test]
    public void Without_an_endpoint_nothing_is_exported_and_a_bad_one_is_named()
    {
        Assert.That(FarmTracing.StartFromEnvironment("t", _ => null), Is.Null);
        var error = Assert.Throws<ArgumentException>(() => FarmTracing.StartFromEnvironment("t", _ => "collector:4318"));
        Assert.That(error!.Message, Does.Contain("OTEL_EXPORTER_OTLP_ENDPOINT").And.Contain("collector:4318"));
    }
}
