using System.Xml.Linq;
using TestFarm.Reporting.JUnit;
using TestFarm.Testing.GitHub;

namespace TestFarm.Reporting.Tests;

public sealed class JUnitWriterTests
{
    [Test]
    public void Merged_run_maps_verdicts_to_failure_error_skipped_and_flaky_note()
    {
        var doc = JUnitWriter.Run(SampleRuns.Mixed());
        var root = doc.Root!;
        Assert.That(root.Name.LocalName, Is.EqualTo("testsuites"));
        // 8 tests + 1 failed deploy phase.
        Assert.That((int)root.Attribute("tests")!, Is.EqualTo(9));
        Assert.That((int)root.Attribute("failures")!, Is.EqualTo(1));
        Assert.That((int)root.Attribute("errors")!, Is.EqualTo(2));
        Assert.That((int)root.Attribute("skipped")!, Is.EqualTo(1));

        var suites = root.Elements("testsuite").ToList();
        Assert.That(suites.Select(s => (string)s.Attribute("name")!), Is.EqualTo(new[]
        {
            "pr-smoke/pr-smoke/epyc-e810/3cp", "pr-smoke/pr-smoke/epyc-e810/1cp2w", "pr-smoke/pr-smoke/ampere-mlx5/3cp",
        }));
        var props = suites[0].Element("properties")!.Elements("property")
            .ToDictionary(p => (string)p.Attribute("name")!, p => (string)p.Attribute("value")!);
        Assert.That(props["profile"], Is.EqualTo("epyc-e810"));
        Assert.That(props["build"], Is.EqualTo("build-2026.03.01"));
        Assert.That(props["firmware.bios"], Is.EqualTo("2.14.1"));

        var flaky = suites[0].Elements("testcase").Single(t => (string)t.Attribute("name")! == "dns-resolves");
        Assert.That(flaky.Element("failure"), Is.Null);
        Assert.That(flaky.Element("system-out")!.Value, Does.Contain("flaky: passed after 2 attempts"));
        var skipped = suites[0].Elements("testcase").Single(t => t.Element("skipped") is not null);
        Assert.That((string)skipped.Element("skipped")!.Attribute("message")!, Is.EqualTo("needs 2 workers"));

        var failure = suites[1].Descendants("failure").Single();
        Assert.That((string)failure.Attribute("message")!, Does.Contain("<no answer> & timeout"));
        var errors = suites[2].Descendants("error").ToList();
        Assert.That(errors.Select(e => (string)e.Attribute("type")!), Is.EquivalentTo(new[] { "infra-error:deploy", "infra-error:deploy" }));
    }

    [Test]
    public void Control_characters_from_logs_do_not_break_the_xml()
    {
        var run = SampleRuns.Mixed();
        var cell = run.Cells[1] with { Tests = [SampleRuns.Test("conformance", "ansi", Core.Results.Verdict.Failed, message: "\u001b[31mred\u001b[0m", details: "a\u0000b")] };
        var text = JUnitWriter.Cell(cell).ToString();
        var reparsed = XDocument.Parse(text);
        Assert.That(reparsed.Descendants("failure").Single().Attribute("message")!.Value, Is.EqualTo("[31mred[0m"));
    }
}
