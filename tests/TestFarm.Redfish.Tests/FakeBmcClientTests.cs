using TestFarm.Core.Bmc;
using TestFarm.Testing.Bmc;

namespace TestFarm.Redfish.Tests;

/// <summary>The tests' in-memory BMC behaves as the port promises, so tests that lean on it test the farm, not the fake.</summary>
public sealed class FakeBmcClientTests
{
    [Test]
    public async Task The_fake_consumes_a_one_time_override_at_power_on_keeps_media_and_fails_on_request()
    {
        var factory = new FakeBmcClientFactory();
        var fake = factory.For("m1");
        Assert.That(factory.For("m1"), Is.SameAs(fake), "one client per machine");
        var booted = new List<BootTarget>();
        fake.OnPowerOn = booted.Add;

        await fake.SetOneTimeBootAsync(BootTarget.Pxe);
        Assert.That((await fake.GetBootOverrideAsync()).Target, Is.EqualTo("Pxe"));
        await fake.ResetAsync(PowerIntent.On);
        await fake.WaitForPowerStateAsync(PowerState.On, TimeSpan.FromMinutes(1));
        Assert.That(booted, Is.EqualTo(new[] { BootTarget.Pxe }));
        Assert.That((await fake.GetBootOverrideAsync()).Enabled, Is.EqualTo("Disabled"), "a one-time override is used up by the boot");

        await fake.InsertVirtualMediaAsync(new Uri("http://x/boot.iso"));
        Assert.That(fake.InsertedMedia, Is.EqualTo(new Uri("http://x/boot.iso")));
        fake.FailNext(1, 503);
        var failed = Assert.ThrowsAsync<BmcException>(() => fake.EjectVirtualMediaAsync());
        Assert.That(failed!.Kind, Is.EqualTo(BmcErrorKind.Remote));
        await fake.EjectVirtualMediaAsync();
        Assert.That(fake.InsertedMedia, Is.Null);
        fake.Unreachable = true;
        Assert.That(Assert.ThrowsAsync<BmcException>(() => fake.GetPowerStateAsync())!.Kind, Is.EqualTo(BmcErrorKind.Unreachable));
        Assert.That(fake.Calls, Does.Contain("Reset On"));
        Assert.That(fake.CountOf("EjectVirtualMedia"), Is.EqualTo(2));
    }
}
