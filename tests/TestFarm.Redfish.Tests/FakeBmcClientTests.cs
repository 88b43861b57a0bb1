using TestFarm.Core.Bmc;
using TestFarm.Testing.Redfish;

namespace TestFarm.Redfish.Tests;

public sealed class FakeBmcClientTests
{
    [Test]
    public async Task Fake_FollowsResetsBootAndMedia_AndFailsOnRequest()
    {
        var factory = new FakeBmcClientFactory();
        var fake = factory.For("m1");
        fake.PowerLagReads = 1;
        await fake.SetOneTimeBootAsync(BootTarget.Pxe);
        await fake.ResetAsync(PowerIntent.On);
        Assert.That(await fake.GetPowerStateAsync(), Is.EqualTo(PowerState.Off), "lags one read");
        await fake.WaitForPowerStateAsync(PowerState.On, TimeSpan.FromMinutes(1));
        await fake.InsertVirtualMediaAsync(new Uri("http://x/boot.iso"));
        Assert.That(fake.InsertedImage, Is.EqualTo(new Uri("http://x/boot.iso")));
        Assert.That((await fake.GetBootOverrideAsync()).Target, Is.EqualTo("Pxe"));
        fake.FailNext = new BmcException("boom") { Kind = BmcErrorKind.Unreachable };
        Assert.ThrowsAsync<BmcException>(() => fake.EjectVirtualMediaAsync());
        Assert.That(fake.Calls, Does.Contain("Reset On"));
    }
}
