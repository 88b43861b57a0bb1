using System.CommandLine;
using TestFarm.Reporting;

namespace TestFarm.Cli.Commands.Report;

/// <summary>
/// <c>testfarm report render --results DIR [--previous RUN] [--out DIR]</c>: renders JUnit, Allure results, the
/// HTML qualification report and its Markdown twin from a run's <c>run.json</c>.
/// </summary>
public sealed class ReportRenderCommand : ICliCommand
{
    public string Path => "report render";

    public Command Build()
    {
        var results = new Option<string>("--results") { Description = "A run.json, or a folder holding one", Required = true };
        var previous = new Option<string?>("--previous") { Description = "The run to compare with (run.json or its folder)" };
        var output = new Option<string?>("--out") { Description = "Where to write the reports (default: the results folder)" };
        var title = new Option<string?>("--title") { Description = "Report title" };
        var command = new Command("render", "Render JUnit, Allure results and the qualification report (HTML + Markdown) of a run.")
        {
            results, previous, output, title,
        };
        command.SetAction(parse =>
        {
            var source = parse.GetValue(results)!;
            try
            {
                var run = RunResultJson.Read(source);
                var before = parse.GetValue(previous) is { } p ? RunResultJson.Read(p) : null;
                var folder = parse.GetValue(output)
                             ?? (Directory.Exists(source) ? source : System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(source))!);
                var rendered = RunReports.RenderAll(run, folder, new ReportOptions { Previous = before, Title = parse.GetValue(title) });
                Console.Out.WriteLine($"junit:  {rendered.JUnitMerged} ({rendered.JUnitPerCell.Count} cells)");
                Console.Out.WriteLine($"allure: {rendered.AllureResults} ({rendered.AllureResultCount} results)");
                Console.Out.WriteLine($"html:   {rendered.Html}");
                Console.Out.WriteLine($"md:     {rendered.Markdown}");
                return ExitCodes.Success;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine(e.Message);
                return ExitCodes.InvalidInput;
            }
        });
        return command;
    }
}
