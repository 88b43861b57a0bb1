using TestFarm.Core.Suites;
using TestFarm.Testing;

namespace TestFarm.Scenarios.Tests.Engine;

internal static class ShippedSuites
{
    public static Suite Load(string name)
    {
        var file = SuiteFileReader.Read(Fixtures.Repo("scenarios", "suites", name + ".yaml"));
        Assert.That(file.Errors, Is.Empty, $"{name}.yaml has errors");
        return file.Suite!;
    }
}
