using System.CommandLine;
using TestFarm.Configuration;
using TestFarm.Core.Configuration;

namespace TestFarm.Cli.Commands.Validate;

/// <summary>
/// <c>testfarm validate [PATH...]</c>: loads hardware profiles, the pool, plans and suites, and prints every
/// error as <c>file:line:col: message</c>. Exit 0 when clean, 1 on errors, 2 on a wrong command line.
/// Step validators registered in DI (<see cref="IStepValidator"/>) check each step's settings.
/// </summary>
public sealed class ValidateCommand(IEnumerable<IStepValidator> stepValidators) : ICliCommand
{
    /// <summary>What is read when no path is given, relative to the current directory.</summary>
    public static readonly IReadOnlyList<string> DefaultPaths = ["hardware-profiles", "scenarios", "pool.yaml"];

    public string Path => "validate";

    public Command Build()
    {
        var paths = new Argument<string[]>("PATH")
        {
            Description = "Files or folders to check (default: hardware-profiles/, scenarios/, pool.yaml)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("validate", "Check hardware profiles, the pool, plans and suites; print every error as file:line:col: message.")
        {
            paths,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var given = parseResult.GetValue(paths) ?? [];
            var unknown = parseResult.UnmatchedTokens.Concat(given.Where(p => p.StartsWith('-'))).ToList();
            if (unknown.Count > 0)
            {
                error.WriteLine($"validate: unknown option: {string.Join(" ", unknown)}");
                error.WriteLine("usage: testfarm validate [PATH...]");
                return ExitCodes.Usage;
            }
            return Run(given, Directory.GetCurrentDirectory(), output, error);
        });
        return command;
    }

    /// <summary>Validates <paramref name="paths"/> (or the defaults) under <paramref name="workingDirectory"/>.</summary>
    public int Run(IReadOnlyList<string> paths, string workingDirectory, TextWriter output, TextWriter error)
    {
        var files = ConfigFileReader.Read(paths, workingDirectory, out var problems);
        if (problems.Count > 0)
        {
            foreach (var p in problems) error.WriteLine($"validate: {p}");
            return ExitCodes.Usage;
        }
        if (files.Count == 0)
        {
            error.WriteLine($"validate: no YAML files found in {string.Join(", ", paths.Count > 0 ? paths : DefaultPaths)}");
            return ExitCodes.Usage;
        }
        var set = ConfigurationLoader.Load(files, stepValidators);
        foreach (var e in set.Errors) output.WriteLine(e.ToString());
        if (!set.IsValid)
        {
            output.WriteLine($"{set.Errors.Count} error(s) in {set.Errors.Select(e => e.File).Distinct().Count()} file(s)");
            return ExitCodes.InvalidInput;
        }
        var cells = set.Plans.Sum(p => set.Expand(p.Value).Cells.Count);
        output.WriteLine($"ok: {set.Profiles.Count} hardware profiles, {set.Pool?.Value.Machines.Count ?? 0} machines, " +
                         $"{set.Plans.Count} plans ({cells} cells), {set.Suites.Count} suites");
        return ExitCodes.Success;
    }
}
