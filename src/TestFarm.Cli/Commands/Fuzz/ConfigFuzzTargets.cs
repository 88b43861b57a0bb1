using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using TestFarm.Configuration;
using TestFarm.Configuration.Import;
using TestFarm.Core.Configuration;
using TestFarm.Kubernetes.Kubeconfig;
using TestFarm.Scenarios;

namespace TestFarm.Cli.Commands.Fuzz;

/// <summary>
/// The YAML files people write: hardware profiles, the pool, plans and suites (through the loader <c>validate</c> uses, with
/// the step validators), Cookiemonster configs, and kubeconfigs. Their documented error is a <see cref="ConfigError"/>
/// (file:line:col inside the file, at most <see cref="ConfigError.MaxMessageLength"/> characters) or a
/// <see cref="KubeconfigException"/> naming the source.
/// </summary>
internal static partial class ConfigFuzzTargets
{
    private static readonly string[] Yaml =
        [":", "[", "]", "{", "}", "&a ", "*a", "!", "!!str ", "|", ">-", ": [", "{ &a", "- ", "\t", "\"", "'", "%YAML 1.2\n", "@", "`",
         "? ", "#", "---\n", "...\n", "\n  ", "\r", "\u0085", "<<: *a", "~", "null", "0x10", "1e9", "-", ",", "\\u0000", "\ufeff"];

    internal static readonly Lazy<IReadOnlyList<IStepValidator>> Validators = new(() =>
        new ServiceCollection().AddTestFarmScenarios().BuildServiceProvider().GetServices<IStepValidator>().ToList());

    /// <summary>The targets without a checkout: a pool or plan is loaded alone (it can only be refused for what it refers to).</summary>
    public static IReadOnlyList<FuzzTarget> All { get; } = For(ConfigFuzzContext.None);

    /// <summary>The targets with <paramref name="context"/>: a pool is loaded beside its profiles, a plan beside the profiles, suites and pool.</summary>
    public static IReadOnlyList<FuzzTarget> For(ConfigFuzzContext context) =>
    [
        Loader("hardware-profile", "hardware-profiles/fuzz-input.yaml", "a hardware profile (hardware-profiles/*.yaml)", new ConfigurationSet()),
        Loader("pool", "pool.yaml", "the pool file (pool.yaml), beside the checkout's hardware profiles", context.ForPools) with
        {
            Names = Groups([.. context.ForPools.Profiles.Select(p => p.Value.Name)], ["session", "basic"]),
        },
        Loader("plan", "scenarios/plans/fuzz-input.yaml", "a plan (scenarios/plans/*.yaml), beside the checkout's profiles, suites and pool", context.ForPlans) with
        {
            Names = Groups([.. context.ForPlans.Profiles.Select(p => p.Value.Name)], [.. context.ForPlans.Suites.Select(s => s.Value.Name)], [.. PlanLoader.Deployers],
                ["control-plane", "worker", "storage"]),
        },
        Loader("suite", "scenarios/suites/fuzz-input.yaml", "a suite (scenarios/suites/*.yaml) with the step validators", new ConfigurationSet()),
        new()
        {
            Name = "cookiemonster", Description = "a Cookiemonster config, ConfigMap or legacy cookie (testfarm chaos import --cookiemonster)",
            DocumentedError = "ConfigError", Dictionary = Yaml, Nesting = ["[", "{", "- ", "a:\n "], MaxMessage = ConfigError.MaxMessageLength + 200,
            NamesPlace = m => m.StartsWith("fuzz-input.yaml:", StringComparison.Ordinal),
            Run = input =>
            {
                var text = Encoding.UTF8.GetString(input);
                return FirstError("fuzz-input.yaml", text, CookiemonsterImport.Import("fuzz-input.yaml", text).Errors);
            },
        },
        new()
        {
            Name = "kubeconfig", Description = "a kubeconfig (a cell's cluster credentials, testfarm lab cluster, serve's pool cells)",
            DocumentedError = "KubeconfigException", Dictionary = Yaml, Nesting = ["[", "{", "- "], MaxMessage = 2000,
            NamesPlace = m => m.StartsWith(FuzzTarget.Source + ":", StringComparison.Ordinal),
            Run = input =>
            {
                try
                {
                    KubeconfigLoader.Parse(Encoding.UTF8.GetString(input), FuzzTarget.Source);
                    return null;
                }
                catch (KubeconfigException e) { return e.Message; }
            },
        },
    ];

    private static FuzzTarget Loader(string name, string path, string what, ConfigurationSet context) => new()
    {
        Name = name, Description = what + ", through the loader testfarm validate uses", DocumentedError = "ConfigError",
        Dictionary = Yaml, Nesting = ["[", "{", "- ", "a:\n "], MaxMessage = ConfigError.MaxMessageLength + 200,
        NamesPlace = m => m.StartsWith(path + ":", StringComparison.Ordinal),
        Run = input =>
        {
            var text = Encoding.UTF8.GetString(input);
            var set = ConfigurationLoader.Load([new ConfigFile(path, text)], context, Validators.Value);
            // Cross-file checks name other files (a plan's missing suite file); only this file's own errors are judged.
            return FirstError(path, text, set.Errors.Where(e => e.File == path).ToList());
        },
    };

    /// <summary>The groups that have at least two names to swap between.</summary>
    private static IReadOnlyList<IReadOnlyList<string>> Groups(params IReadOnlyList<string>[] groups) => [.. groups.Where(g => g.Count > 1)];

    /// <summary>The first error as text; an error outside the file's lines and columns, or longer than the bound, is a violation.</summary>
    private static string? FirstError(string path, string text, IReadOnlyList<ConfigError> errors)
    {
        if (errors.Count == 0) return null;
        var lines = LineBreak().Split(text);
        foreach (var e in errors)
        {
            if (e.File != path || e.Line < 1 || e.Line > lines.Length || e.Column < 1 || e.Column > lines[e.Line - 1].Length + 1)
                throw new FuzzViolationException("misplaced", $"error outside {path} ({lines.Length} lines): {Cut(e.ToString())}");
            if (e.Message.Length > ConfigError.MaxMessageLength)
                throw new FuzzViolationException("unbounded message", $"{e.Message.Length} characters at {e.File}:{e.Line}:{e.Column}");
        }
        return errors[0].ToString();
    }

    private static string Cut(string s) => s.Length <= 300 ? s : s[..300] + "…";

    [GeneratedRegex("\r\n|\r|\n|\u0085|\u2028|\u2029")]
    private static partial Regex LineBreak();
}
