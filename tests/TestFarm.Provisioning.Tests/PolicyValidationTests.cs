using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TestFarm.Core.Provisioning;
using TestFarm.Provisioning.Reimage;

namespace TestFarm.Provisioning.Tests;

/// <summary>A bad provisioning policy fails when the container starts, each failure naming the key and the value.</summary>
public sealed class PolicyValidationTests
{
    [Test]
    public void A_bad_policy_fails_at_start_naming_every_key_and_value()
    {
        var policy = new ProvisioningPolicy
        {
            HeartbeatInterval = TimeSpan.FromMilliseconds(10),
            PowerOff = new PhasePolicy { Deadline = TimeSpan.FromMilliseconds(5), Retries = 11 },
        };
        using var sp = new ServiceCollection().AddTestFarmProvisioning(_ => new Uri("http://192.0.2.1:8080"), policy).BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IStartupValidator>().Validate());

        Assert.That(e!.Failures, Is.SupersetOf(new[]
        {
            "Provisioning:HeartbeatInterval must be at least 100ms, was 10ms",
            "Provisioning:PowerOff:Deadline must be at least 100ms, was 5ms",
            "Provisioning:PowerOff:Retries must be 0 to 10, was 11",
        }));
    }

    [Test]
    public void Configuration_overrides_a_phase_and_the_reimager_gets_it()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Provisioning:Post:Deadline"] = "00:00:42",
        }).Build();
        using var sp = new ServiceCollection().AddSingleton<IConfiguration>(configuration)
            .AddTestFarmProvisioning(_ => new Uri("http://192.0.2.1:8080")).BuildServiceProvider();

        sp.GetRequiredService<IStartupValidator>().Validate();
        Assert.That(sp.GetRequiredService<Reimager>().Policy.Post.Deadline, Is.EqualTo(TimeSpan.FromSeconds(42)));
    }

    [Test]
    public void A_bad_value_from_configuration_fails_at_start_and_nothing_gets_the_policy()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Provisioning:AgentSilence"] = "00:00:00.050",
        }).Build();
        using var sp = new ServiceCollection().AddSingleton<IConfiguration>(configuration)
            .AddTestFarmProvisioning(_ => new Uri("http://192.0.2.1:8080")).BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IStartupValidator>().Validate());
        Assert.That(e!.Failures, Is.EqualTo(new[] { "Provisioning:AgentSilence must be at least 100ms, was 50ms" }));
        Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<Reimager>());
    }
}
