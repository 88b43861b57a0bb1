using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TestFarm.Core.Results;
using TestFarm.Core.Suites;
using TestFarm.Scenarios.Engine;
using TestFarm.Scenarios.Probes;
using TestFarm.Testing;

namespace TestFarm.Scenarios.Tests.Engine;

/// <summary>HTTP and TCP probes against a real Kestrel server on 127.0.0.1, port 0.</summary>
public sealed class NetworkProbeTests
{
    [Test]
    public async Task HttpAndTcpProbesReachARealServer()
    {
        await using var server = await LoopbackServer.StartAsync(app =>
        {
            app.MapGet("/healthz", () => Results.Ok("ok"));
            app.MapGet("/broken", () => Results.StatusCode(503));
        });
        var address = server.Address;

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var h = new CellHarness();
        h.With(c => c with { Transport = new NetworkProbeTransport(http), Time = TimeProvider.System });
        var step = CellHarness.Step(StepKinds.Probe, "net", $$"""
            deadline: 200ms
            probeInterval: 50ms
            probeTimeout: 5s
            probes:
              - { type: http, name: healthz, url: "{{address}}healthz" }
              - { type: http, name: broken, url: "{{address}}broken" }
              - { type: tcp, name: port, host: 127.0.0.1, port: {{address.Port}} }
            """);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var run = await SuiteRunner.CreateDefault().RunAsync(CellHarness.Suite("net", step), h.Cell, cts.Token);

        Assert.That(run.Tests.Select(t => (t.Name, t.Verdict)), Is.EqualTo(new[]
        {
            ("net: healthz", Verdict.Passed), ("net: broken", Verdict.Failed), ("net: port", Verdict.Passed),
        }));
        Assert.That(run.Tests[1].Message, Does.Contain("-> 503, expected 200"));
    }
}
