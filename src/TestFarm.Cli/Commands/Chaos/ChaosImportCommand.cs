using System.CommandLine;
using TestFarm.Configuration.Import;

namespace TestFarm.Cli.Commands.Chaos;

/// <summary>
/// <c>testfarm chaos import --cookiemonster FILE</c>: prints a suite YAML of <c>kill-pods</c> steps made from a Cookiemonster
/// config (its config.yaml, the API's JSON body, its ConfigMap, or legacy killpod cookies), what did not carry over as
/// comments; a config it cannot import is refused with every error as file:line:col: message (exit 1).
/// </summary>
public sealed class ChaosImportCommand : ICliCommand
{
    /// <summary>Largest config read: Cookiemonster's are a few hundred bytes.</summary>
    public const long MaxBytes = 1024 * 1024;

    public string Path => "chaos import";

    public Command Build()
    {
        var cookiemonster = new Option<FileInfo?>("--cookiemonster") { Description = "A Cookiemonster config (YAML or JSON, or its ConfigMap)." };
        var command = new Command("import", "Print a suite YAML made from another chaos tool's config.") { cookiemonster };
        command.SetAction(parse => Run(parse.GetValue(cookiemonster), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return command;
    }

    public static int Run(FileInfo? file, TextWriter output, TextWriter error)
    {
        if (file is null)
        {
            error.WriteLine("chaos import: give --cookiemonster FILE");
            return ExitCodes.Usage;
        }
        if (!file.Exists)
        {
            error.WriteLine($"chaos import: {file.FullName}: no such file");
            return ExitCodes.Usage;
        }
        if (file.Length > MaxBytes)
        {
            error.WriteLine($"chaos import: {file.FullName}: {file.Length} bytes, at most {MaxBytes}");
            return ExitCodes.InvalidInput;
        }
        var result = CookiemonsterImport.Import(file.ToString(), File.ReadAllText(file.FullName));
        if (result.SuiteYaml is null)
        {
            foreach (var e in result.Errors) error.WriteLine(e.ToString());
            error.WriteLine($"chaos import: {result.Errors.Count} error(s); nothing imported");
            return ExitCodes.InvalidInput;
        }
        output.Write(result.SuiteYaml);
        return ExitCodes.Success;
    }
}
