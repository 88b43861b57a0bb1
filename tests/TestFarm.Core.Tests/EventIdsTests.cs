using System.Reflection;
using System.Text.RegularExpressions;
using TestFarm.Core.Logging;
using TestFarm.Testing;

namespace TestFarm.Core.Tests;

/// <summary>One registry of log event ids: no two events share an id, and every log event of src/ takes its id from it.</summary>
public sealed partial class EventIdsTests
{
    [Test]
    public void No_two_events_share_an_id_and_each_project_stays_in_its_block()
    {
        var ids = typeof(EventIds).GetNestedTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (Project: t.Name, Name: f.Name, Id: (int)f.GetRawConstantValue()!)))
            .ToList();

        Assert.That(ids, Has.Count.GreaterThan(80));
        var shared = ids.GroupBy(i => i.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(i => $"{i.Project}.{i.Name}"))}");
        Assert.That(shared, Is.Empty);
        foreach (var project in ids.GroupBy(i => i.Project))
        {
            var blocks = project.Select(i => i.Id / 1000).Distinct().ToList();
            Assert.That(blocks, Has.Count.EqualTo(1), $"{project.Key} spans blocks {string.Join(", ", blocks)}");
        }
    }

    [Test]
    public void Every_log_event_in_src_names_its_id_from_the_registry()
    {
        var literal = new List<string>();
        var events = 0;
        foreach (var file in Directory.EnumerateFiles(Fixtures.Repo("src"), "*.cs", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            foreach (var line in File.ReadLines(file))
            {
                if (!line.Contains("[LoggerMessage(", StringComparison.Ordinal)) continue;
                events++;
                if (!FromRegistry().IsMatch(line)) literal.Add($"{Path.GetRelativePath(Fixtures.RepositoryRoot, file)}: {line.Trim()}");
            }
        }
        Assert.That(events, Is.GreaterThan(80), "the scan found the log events");
        Assert.That(literal, Is.Empty);
    }

    [GeneratedRegex(@"LoggerMessage\(EventId = EventIds\.\w+\.\w+, EventName = nameof\(EventIds\.\w+\.\w+\)")]
    private static partial Regex FromRegistry();
}
