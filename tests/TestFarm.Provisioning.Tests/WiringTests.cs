using Microsoft.Extensions.DependencyInjection;
using TestFarm.Core.Provisioning;
using TestFarm.Provisioning.Boot;
using TestFarm.Provisioning.Cleaning;
using TestFarm.Provisioning.Health;
using TestFarm.Provisioning.Reimage;
using TestFarm.Testing;

namespace TestFarm.Provisioning.Tests;

public sealed class WiringTests
{
    [Test]
    public void AddTestFarmProvisioning_wires_one_session_store_for_the_endpoints_and_the_pipelines()
    {
        var time = new FakeTimeProvider();
        var policy = new ProvisioningPolicy { HeartbeatInterval = TimeSpan.FromSeconds(3) };
        using var sp = new ServiceCollection().AddSingleton<TimeProvider>(time)
            .AddTestFarmProvisioning(_ => new Uri("http://192.0.2.1:8080"), policy).BuildServiceProvider();

        Assert.That(sp.GetRequiredService<Reimager>().Policy, Is.EqualTo(policy));
        Assert.That(sp.GetRequiredService<BootSessions>().Time, Is.SameAs(time));
        Assert.That(sp.GetRequiredService<BootServiceOptions>().PublicBaseUrl, Is.EqualTo(new Uri("http://192.0.2.1:8080")));
        Assert.That(sp.GetService<Cleaner>(), Is.Not.Null);
        Assert.That(sp.GetService<HealthChecker>(), Is.Not.Null);
    }

    [Test]
    public void Artifacts_registered_by_a_relative_path_are_served_by_their_full_path()
    {
        using var dir = new TempDirectory("tf-art");
        File.WriteAllText(dir.File("vmlinuz"), "k");
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, dir.File("vmlinuz"));
        var artifact = new ImageArtifact { Name = "vmlinuz", Kind = ArtifactKind.Kernel, Sha256 = BootArtifacts.Sha256Of(dir.File("vmlinuz")), Length = 1 };
        var artifacts = new BootArtifacts();

        artifacts.Add(artifact, relative);

        Assert.That(artifacts.PathOf(artifact.Sha256), Is.EqualTo(dir.File("vmlinuz")));
        Assert.Throws<InvalidDataException>(() => artifacts.Add(artifact with { Sha256 = new string('0', 64) }, relative));
    }
}
