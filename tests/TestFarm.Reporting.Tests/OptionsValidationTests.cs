using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace TestFarm.Reporting.Tests;

/// <summary>Bad reporting options fail when the container starts, naming the key and the value.</summary>
public sealed class OptionsValidationTests
{
    [Test]
    public void An_empty_data_directory_fails_at_start_naming_key_and_value()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Reporting:DataDirectory"] = " " }).Build();
        using var sp = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddTestFarmReporting().BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IStartupValidator>().Validate());

        Assert.That(e!.Failures, Does.Contain("Reporting:DataDirectory must name a folder, was ' '"));
    }

    [Test]
    public void Run_folders_are_under_the_configured_data_directory()
    {
        var data = Path.Combine(Path.GetTempPath(), "tf-reporting-options");
        using var sp = new ServiceCollection().AddTestFarmReporting(o => o.DataDirectory = data).BuildServiceProvider();

        sp.GetRequiredService<IStartupValidator>().Validate();

        Assert.That(sp.GetRequiredService<RunFolders>().Run("r1"), Is.EqualTo(Path.Combine(data, "runs", "r1")));
    }
}
