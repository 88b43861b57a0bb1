using NUnit.Framework;

namespace TestFarm.Testing;

/// <summary>
/// What some tests need from the machine: a throw-away PostgreSQL (TESTFARM_POSTGRES) and the built testfarm CLI.
/// Missing, the test is ignored; under CI=true it fails, since CI must run it.
/// </summary>
public static class Requirements
{
    private static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The admin connection string of the throw-away PostgreSQL.</summary>
    public static string Postgres()
    {
        var cs = Environment.GetEnvironmentVariable("TESTFARM_POSTGRES");
        if (!string.IsNullOrWhiteSpace(cs)) return cs;
        if (InCi) Assert.Fail("TESTFARM_POSTGRES is not set but CI=true: the PostgreSQL tests must run in CI");
        Assert.Ignore("TESTFARM_POSTGRES is not set: start a throw-away PostgreSQL to run this test");
        return "";
    }

    /// <summary>The testfarm CLI (testfarm.dll) built in the same configuration as the running tests.</summary>
    public static string CliDll()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        var config = dir.Parent?.Name ?? "Release";
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TestFarm.sln"))) dir = dir.Parent;
        var dll = dir is null ? null : Path.Combine(dir.FullName, "src", "TestFarm.Cli", "bin", config, "net10.0", "testfarm.dll");
        if (dll is not null && File.Exists(dll)) return dll;
        if (InCi) Assert.Fail("the testfarm CLI is not built next to this configuration");
        Assert.Ignore("the testfarm CLI is not built next to this configuration");
        return "";
    }
}
