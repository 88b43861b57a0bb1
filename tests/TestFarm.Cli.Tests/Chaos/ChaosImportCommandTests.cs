using TestFarm.Cli.Commands.Chaos;
using TestFarm.Testing;

namespace TestFarm.Cli.Tests.Chaos;

public sealed class ChaosImportCommandTests
{
    private static (int Code, string Out, string Err) Run(FileInfo? file)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = ChaosImportCommand.Run(file, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Test]
    public void A_Cookiemonster_config_is_printed_as_a_suite()
    {
        var (code, output, error) = Run(new FileInfo(Fixtures.Shared("chaos", "cookiemonster", "config.yaml")));
        Assert.That(code, Is.EqualTo(ExitCodes.Success), error);
        Assert.That(output, Does.Contain("name: cookiemonster-config\n"));
        Assert.That(output, Does.Contain("      - { name: openstack, ownerKind: statefulset, ownerName: mariadb, target: 1 }\n"));
    }

    [Test]
    public void A_nodeexec_cookie_is_refused_at_its_commands_and_nothing_is_printed()
    {
        var file = Fixtures.Shared("chaos", "cookiemonster", "legacy-v2", "nodeexec-test-exec-all.json");
        var (code, output, error) = Run(new FileInfo(file));
        Assert.That(code, Is.EqualTo(ExitCodes.InvalidInput));
        Assert.That(output, Is.Empty);
        Assert.That(error, Does.StartWith($"{file}:3:15: 'commands' is a nodeexec cookie"));
    }

    [Test]
    public void No_file_or_a_missing_one_is_a_usage_error()
    {
        Assert.That(Run(null).Code, Is.EqualTo(ExitCodes.Usage));
        var (code, _, error) = Run(new FileInfo("/nonexistent/cookiemonster.yaml"));
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error, Does.Contain("/nonexistent/cookiemonster.yaml: no such file"));
    }
}
