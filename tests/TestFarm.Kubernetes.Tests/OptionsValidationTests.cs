using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TestFarm.Kubernetes.Client;
using TestFarm.Kubernetes.Deploy;

namespace TestFarm.Kubernetes.Tests;

/// <summary>Bad Kubernetes client options fail when the container starts, each failure naming the key and the value.</summary>
public sealed class OptionsValidationTests
{
    [Test]
    public void Bad_client_options_fail_at_start_naming_key_and_value()
    {
        using var sp = new ServiceCollection()
            .AddTestFarmKubernetes(new KubernetesClientOptions { RequestTimeout = TimeSpan.FromMilliseconds(10), FieldManager = " " })
            .BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IStartupValidator>().Validate());

        Assert.That(e!.Failures, Is.SupersetOf(new[]
        {
            "Kubernetes:RequestTimeout must be at least 100ms, was 10ms",
            "Kubernetes:FieldManager must not be empty, was ' '",
        }));
    }

    [Test]
    public void Good_options_start_with_the_process_runner()
    {
        using var sp = new ServiceCollection().AddTestFarmKubernetes(new KubernetesClientOptions { WatchTimeout = TimeSpan.FromMinutes(1) }).BuildServiceProvider();

        sp.GetRequiredService<IStartupValidator>().Validate();

        Assert.That(sp.GetRequiredService<KubernetesClientOptions>().WatchTimeout, Is.EqualTo(TimeSpan.FromMinutes(1)));
        Assert.That(sp.GetRequiredService<IProcessRunner>(), Is.InstanceOf<ProcessRunner>());
    }
}
