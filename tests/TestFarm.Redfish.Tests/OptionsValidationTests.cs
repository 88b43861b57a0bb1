using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TestFarm.Core.Bmc;

namespace TestFarm.Redfish.Tests;

/// <summary>Bad Redfish options fail when the container starts, each failure naming the key and the value.</summary>
public sealed class OptionsValidationTests
{
    [Test]
    public void A_poll_interval_below_50ms_fails_at_start_naming_key_and_value()
    {
        using var sp = new ServiceCollection().AddTestFarmRedfish(new RedfishOptions { PollInterval = TimeSpan.FromMilliseconds(10) }).BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IStartupValidator>().Validate());

        Assert.That(e!.Failures, Does.Contain("Redfish:PollInterval must be at least 50ms, was 10ms"));
    }

    [Test]
    public void Values_from_configuration_are_checked_too_and_every_failure_is_reported()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Redfish:MaxConcurrencyPerBmc"] = "0",
            ["Redfish:MaxRetries"] = "11",
        }).Build();
        using var sp = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddTestFarmRedfish().BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IStartupValidator>().Validate());

        Assert.That(e!.Failures, Does.Contain("Redfish:MaxConcurrencyPerBmc must be 1 to 64, was 0").And.Contain("Redfish:MaxRetries must be 0 to 10, was 11"));
    }

    [Test]
    public void Good_values_start_and_reach_the_client_factory()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Redfish:PollInterval"] = "00:00:00.250" }).Build();
        using var sp = new ServiceCollection().AddSingleton<IConfiguration>(configuration)
            .AddTestFarmRedfish(new RedfishOptions { MaxRetries = 1 }).BuildServiceProvider();

        sp.GetRequiredService<IStartupValidator>().Validate();

        var options = sp.GetRequiredService<IOptions<RedfishOptions>>().Value;
        Assert.That(options.PollInterval, Is.EqualTo(TimeSpan.FromMilliseconds(250)), "configuration over the code's values");
        Assert.That(options.MaxRetries, Is.EqualTo(1));
        Assert.That(sp.GetRequiredService<IBmcClientFactory>(), Is.SameAs(sp.GetRequiredService<Factory.RedfishClientFactory>()));
    }
}
