using Spectre.Console;
using Spectre.Console.Rendering;
using TestFarm.Core.Results;
using TestFarm.Orchestration.Pipeline;

namespace TestFarm.Cli.Commands.Nightly;

/// <summary>Draws the board live while a run goes on (a table on a terminal, lines otherwise) and the verdicts at the end.</summary>
public static class ProgressView
{
    /// <summary>
    /// The terminal when there is one (live table, colours); plain text, wide enough for the verdict table,
    /// when the output goes to a file or a CI log.
    /// </summary>
    public static IAnsiConsole CreateConsole()
    {
        if (!Console.IsOutputRedirected) return AnsiConsole.Console;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 160;
        return console;
    }

    public static async Task<T> ShowWhileAsync<T>(IAnsiConsole console, ProgressBoard board, Task<T> run)
    {
        if (console.Profile.Capabilities.Interactive && console.Profile.Capabilities.Ansi)
        {
            await console.Live(Render(board)).StartAsync(async ctx =>
            {
                while (!run.IsCompleted)
                {
                    ctx.UpdateTarget(Render(board));
                    await Task.WhenAny(run, Task.Delay(TimeSpan.FromMilliseconds(500), TimeProvider.System));
                }
                ctx.UpdateTarget(Render(board));
            });
        }
        else
        {
            while (!run.IsCompleted)
            {
                Drain(console, board);
                await Task.WhenAny(run, Task.Delay(TimeSpan.FromMilliseconds(500), TimeProvider.System));
            }
            Drain(console, board);
        }
        return await run;
    }

    private static void Drain(IAnsiConsole console, ProgressBoard board)
    {
        while (board.TryTakeLine(out var line)) console.WriteLine(line);
    }

    public static IRenderable Render(ProgressBoard board)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("cells × phases");
        table.AddColumn("cell");
        foreach (var phase in PipelinePhases.All) table.AddColumn(phase);
        foreach (var cell in board.Cells)
        {
            var row = new List<IRenderable> { new Text(cell) };
            foreach (var phase in PipelinePhases.All)
            {
                var mark = board.Mark(cell, phase);
                row.Add(mark switch
                {
                    null => new Text("·", new Style(Color.Grey)),
                    { Status: PhaseStatus.Running } => new Text("…", new Style(Color.Yellow)),
                    { Status: PhaseStatus.Done } m => new Text($"{m.Took!.Value.TotalSeconds:0}s", new Style(Color.Green)),
                    var m => new Text($"✗ {m.Took!.Value.TotalSeconds:0}s", new Style(Color.Red)),
                });
            }
            table.AddRow(row);
        }
        return table;
    }

    public static void WriteVerdicts(IAnsiConsole console, RunResult run)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"run {run.RunId} · plan {run.Plan}");
        foreach (var c in new[] { "cell", "verdict", "passed", "failed", "infra", "flaky", "skipped", "failed phase" }) table.AddColumn(c);
        foreach (var cell in run.Cells)
        {
            int Count(Verdict v) => cell.Tests.Count(t => t.Verdict == v);
            var color = cell.Verdict switch { Verdict.Passed => "green", Verdict.Failed => "red", Verdict.InfraError => "purple", _ => "yellow" };
            table.AddRow(
                Markup.Escape(cell.CellId), $"[{color}]{cell.Verdict}[/]",
                Count(Verdict.Passed).ToString(), Count(Verdict.Failed).ToString(), Count(Verdict.InfraError).ToString(),
                Count(Verdict.Flaky).ToString(), Count(Verdict.Skipped).ToString(),
                Markup.Escape(cell.Phases.FirstOrDefault(p => !p.Succeeded)?.Phase ?? "-"));
        }
        console.Write(table);
    }
}
