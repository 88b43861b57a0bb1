using TestFarm.Configuration;
using TestFarm.Core.Configuration;
using TestFarm.Core.Suites;

namespace TestFarm.Scenarios.Tests.Engine;

/// <summary>A suite file read with every error found, each at its file:line:col.</summary>
internal sealed record SuiteFile(Suite? Suite, IReadOnlyList<ConfigError> Errors);

/// <summary>Reads a suite file through the product's loader with the engine's step validators.</summary>
internal static class SuiteFileReader
{
    public static SuiteFile Read(string path, IEnumerable<IStepValidator>? validators = null)
    {
        var errors = new List<ConfigError>();
        var loaded = SuiteLoader.Load(path, File.ReadAllText(path), errors,
            validators ?? ScenariosServiceCollectionExtensions.BuiltInValidators());
        return new SuiteFile(loaded?.Value, errors);
    }
}
