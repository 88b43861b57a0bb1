using Microsoft.Extensions.DependencyInjection;
using TestFarm.Core.Bmc;
using TestFarm.Redfish.Factory;
using TestFarm.Testing.Bmc;

namespace TestFarm.Redfish.Tests;

public sealed class RegistrationTests
{
    [Test]
    public void AddTestFarmRedfish_RegistersTheFactory_AndAnEarlierRegistrationWins()
    {
        using var plain = new ServiceCollection().AddTestFarmRedfish().BuildServiceProvider();
        Assert.That(plain.GetRequiredService<IBmcClientFactory>(), Is.InstanceOf<RedfishClientFactory>());

        var fake = new FakeBmcClientFactory();
        using var faked = new ServiceCollection().AddSingleton<IBmcClientFactory>(fake).AddTestFarmRedfish().BuildServiceProvider();
        Assert.That(faked.GetRequiredService<IBmcClientFactory>(), Is.SameAs(fake));
    }
}
