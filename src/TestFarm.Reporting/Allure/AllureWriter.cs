using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TestFarm.Core.Results;

namespace TestFarm.Reporting.Allure;

/// <summary>
/// Writes an allure-results folder (flat): one <c>{uuid}-result.json</c> per test, one
/// <c>{uuid}-container.json</c> per cell whose befores are the setup phases (reserve, reimage, deploy, ...),
/// attachment files, <c>environment.properties</c>, <c>executor.json</c> and <c>categories.json</c>.
/// </summary>
public static class AllureWriter
{
    private static readonly HashSet<string> AfterPhases = new(StringComparer.OrdinalIgnoreCase) { "collect", "clean", "release" };
    private static readonly HashSet<string> TestPhases = new(StringComparer.OrdinalIgnoreCase) { "suites", "scenarios", "tests" };

    /// <summary>Writes the results of <paramref name="run"/> into <paramref name="directory"/>; returns the result file count.</summary>
    public static int Write(RunResult run, string directory, ReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        options ??= new ReportOptions();
        Directory.CreateDirectory(directory);
        var count = 0;
        foreach (var cell in run.Cells)
        {
            var children = new List<string>();
            foreach (var test in cell.Tests)
            {
                var result = Result(run, cell, test, directory);
                File.WriteAllText(Path.Combine(directory, $"{result.Uuid}-result.json"),
                    JsonSerializer.Serialize(result, AllureJsonContext.Default.AllureResult));
                children.Add(result.Uuid);
                count++;
            }
            var container = Container(run, cell, children);
            File.WriteAllText(Path.Combine(directory, $"{container.Uuid}-container.json"),
                JsonSerializer.Serialize(container, AllureJsonContext.Default.AllureContainer));
        }
        File.WriteAllText(Path.Combine(directory, "environment.properties"), Environment(run));
        File.WriteAllText(Path.Combine(directory, "executor.json"),
            JsonSerializer.Serialize(new AllureExecutor
            {
                Name = "TestFarm",
                Type = "testfarm",
                Url = options.FarmUrl,
                BuildName = $"{run.Plan} {run.RunId}",
                BuildUrl = options.RunUrl,
                ReportName = $"TestFarm {run.Plan}",
                ReportUrl = options.ReportUrl,
            }, AllureJsonContext.Default.AllureExecutor));
        File.WriteAllText(Path.Combine(directory, "categories.json"),
            JsonSerializer.Serialize(Categories, AllureJsonContext.Default.IReadOnlyListAllureCategory));
        return count;
    }

    /// <summary>Stable across runs: the same test in the same cell keeps its history.</summary>
    public static string HistoryId(string testId, string cellId) => Md5Hex($"{testId}\n{cellId}");

    public static string Status(Verdict verdict) => verdict switch
    {
        Verdict.Passed or Verdict.Flaky => "passed",
        Verdict.Failed => "failed",
        Verdict.InfraError => "broken",
        _ => "skipped",
    };

    internal static readonly IReadOnlyList<AllureCategory> Categories =
    [
        new() { Name = "Product failures", MatchedStatuses = ["failed"] },
        new() { Name = "Infrastructure errors", MatchedStatuses = ["broken"] },
        new() { Name = "Flaky tests", MatchedStatuses = ["passed", "failed", "broken"], Flaky = true },
    ];

    private static AllureResult Result(RunResult run, CellResult cell, TestResult test, string directory)
    {
        var uuid = Uuid($"{run.RunId}\n{cell.CellId}\n{test.TestId}");
        var start = test.Start.ToUnixTimeMilliseconds();
        var labels = new List<AllureLabel>
        {
            new("parentSuite", run.Plan), new("suite", cell.Profile), new("subSuite", test.Suite),
            new("feature", cell.Topology), new("severity", Severity(test)),
            new("host", cell.Machines.Count > 0 ? string.Join(",", cell.Machines) : "unknown"),
            new("framework", "testfarm"),
        };
        labels.AddRange(test.Tags.Select(t => new AllureLabel("tag", t)));
        if (test.Quarantined) labels.Add(new("tag", "quarantined"));
        if (test.Regression is not null) labels.Add(new("tag", test.Regression));
        return new AllureResult
        {
            Uuid = uuid,
            HistoryId = HistoryId(test.TestId, cell.CellId),
            TestCaseId = Md5Hex(test.TestId),
            FullName = $"{cell.CellId}/{test.Suite}/{test.Name}",
            Name = test.Name,
            Status = Status(test.Verdict),
            StatusDetails = Details(test),
            Start = start,
            Stop = start + (long)test.Duration.TotalMilliseconds,
            Labels = labels,
            Parameters = [new("profile", cell.Profile), new("arch", cell.Arch), new("topology", cell.Topology)],
            Steps = Attempts(test, start),
            Attachments = CopyAttachments(uuid, test.Attachments, directory),
        };
    }

    private static AllureStatusDetails? Details(TestResult test)
    {
        var message = test.Verdict == Verdict.Skipped ? test.SkipReason ?? test.Message : test.Message;
        if (test.Verdict == Verdict.InfraError && test.Phase is not null) message = $"[{test.Phase}] {message}";
        if (message is null && test.Details is null && test.Verdict != Verdict.Flaky && !test.Quarantined) return null;
        return new AllureStatusDetails
        {
            Message = test.Verdict == Verdict.Flaky ? $"flaky: passed after {test.Attempts} attempts. {message}".TrimEnd() : message,
            Trace = test.Details,
            Flaky = test.Verdict == Verdict.Flaky,
            Muted = test.Quarantined,
        };
    }

    private static List<AllureStep> Attempts(TestResult test, long start)
    {
        if (test.Attempts <= 1) return [];
        var each = (long)test.Duration.TotalMilliseconds / test.Attempts;
        return Enumerable.Range(1, test.Attempts).Select(i => new AllureStep
        {
            Name = $"attempt {i}",
            Status = i < test.Attempts ? "failed" : Status(test.Verdict),
            Start = start + (i - 1) * each,
            Stop = start + i * each,
        }).ToList();
    }

    private static List<AllureAttachment> CopyAttachments(string uuid, IReadOnlyList<Artifact> artifacts, string directory)
    {
        var copied = new List<AllureAttachment>();
        for (var i = 0; i < artifacts.Count; i++)
        {
            var artifact = artifacts[i];
            if (!File.Exists(artifact.Path)) continue;
            var source = $"{uuid}-{i}-attachment{Path.GetExtension(artifact.Path)}";
            File.Copy(artifact.Path, Path.Combine(directory, source), overwrite: true);
            copied.Add(new AllureAttachment(artifact.Name, source, artifact.MediaType));
        }
        return copied;
    }

    private static AllureContainer Container(RunResult run, CellResult cell, List<string> children)
    {
        static AllureStep Step(PhaseTiming p) => new()
        {
            Name = p.Phase,
            Status = p.Succeeded ? "passed" : "broken",
            StatusDetails = p.Error is null ? null : new AllureStatusDetails { Message = p.Error },
            Start = p.Start.ToUnixTimeMilliseconds(),
            Stop = (p.Start + p.Duration).ToUnixTimeMilliseconds(),
        };
        var phases = cell.Phases.Where(p => !TestPhases.Contains(p.Phase)).ToList();
        return new AllureContainer
        {
            Uuid = Uuid($"{run.RunId}\n{cell.CellId}\ncontainer"),
            Name = $"{cell.CellId} setup",
            Children = children,
            Befores = phases.Where(p => !AfterPhases.Contains(p.Phase)).Select(Step).ToList(),
            Afters = phases.Where(p => AfterPhases.Contains(p.Phase)).Select(Step).ToList(),
            Start = cell.Phases.Count > 0 ? cell.Phases.Min(p => p.Start).ToUnixTimeMilliseconds() : 0,
            Stop = cell.Phases.Count > 0 ? cell.Phases.Max(p => p.Start + p.Duration).ToUnixTimeMilliseconds() : 0,
        };
    }

    private static string Severity(TestResult test) =>
        test.Tags.FirstOrDefault(t => t.StartsWith("severity:", StringComparison.Ordinal))?["severity:".Length..] ?? "normal";

    private static string Environment(RunResult run)
    {
        var lines = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["plan"] = run.Plan, ["run"] = run.RunId, ["trigger"] = run.Trigger,
        };
        if (run.Repository is not null) lines["repository"] = run.Repository;
        if (run.HeadSha is not null) lines["head.sha"] = run.HeadSha;
        foreach (var cell in run.Cells)
        {
            if (cell.BuildId is not null) lines["build"] = cell.BuildId;
            foreach (var (key, value) in cell.Evidence) lines[$"{cell.Profile}.{key}"] = value;
        }
        var text = new StringBuilder();
        foreach (var (key, value) in lines) text.Append(Escape(key, true)).Append('=').Append(Escape(value, false)).Append('\n');
        return text.ToString();
    }

    /// <summary>Java properties escaping (backslash, separators in keys, line breaks, non-ASCII as \uXXXX).</summary>
    private static string Escape(string text, bool key)
    {
        var sb = new StringBuilder();
        foreach (var c in text)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '=' or ':' or ' ' or '#' or '!' when key: sb.Append('\\').Append(c); break;
                case > '~' or < ' ': sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"); break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }

#pragma warning disable CA5351 // MD5 is an identifier here (Allure's historyId convention), not security.
    private static string Md5Hex(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5351

    private static string Uuid(string seed)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(seed)).AsSpan(0, 16).ToArray();
        return new Guid(bytes).ToString("D");
    }
}
