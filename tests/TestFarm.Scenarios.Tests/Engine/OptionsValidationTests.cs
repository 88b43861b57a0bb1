using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TestFarm.Scenarios.Probes;

namespace TestFarm.Scenarios.Tests.Engine;

/// <summary>Bad scenario options fail when the container starts, naming the key and the value.</summary>
public sealed class OptionsValidationTests
{
    [Test]
    public void A_probe_timeout_below_100ms_fails_at_start_naming_key_and_value()
    {
        using var sp = new ServiceCollection().AddTestFarmScenarios(o => o.ProbeTimeout = TimeSpan.FromMilliseconds(20)).BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IStartupValidator>().Validate());

        Assert.That(e!.Failures, Does.Contain("Scenarios:ProbeTimeout must be 100ms to 10min, was 20ms"));
    }

    [Test]
    public void The_probe_transport_uses_the_configured_timeout()
    {
        using var sp = new ServiceCollection().AddTestFarmScenarios(o => o.ProbeTimeout = TimeSpan.FromSeconds(3)).BuildServiceProvider();

        sp.GetRequiredService<IStartupValidator>().Validate();

        Assert.That(sp.GetRequiredService<IProbeTransport>(), Is.InstanceOf<NetworkProbeTransport>());
        Assert.That(sp.GetRequiredService<IHttpClientFactory>().CreateClient(ScenariosServiceCollectionExtensions.ProbeHttpClient).Timeout, Is.EqualTo(TimeSpan.FromSeconds(3)));
    }
}
