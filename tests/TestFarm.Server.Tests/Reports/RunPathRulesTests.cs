using TestFarm.Server.Hosting;
using TestFarm.Server.Reports;
using TestFarm.Server.Tests.Serve;
using TestFarm.Storage;
using TestFarm.Storage.Database;
using TestFarm.Testing;

namespace TestFarm.Server.Tests.Reports;

/// <summary>The rules for ids and paths inside a run's folder, link resolution, the options that place and link run files.</summary>
public sealed class RunPathRulesTests
{
    [TestCase("report.html", null)]
    [TestCase("junit/cell.xml", null)]
    [TestCase("cell/kubectl/dump/nodes.yaml", null)]
    [TestCase("", "is empty")]
    [TestCase("/etc/passwd", "is absolute")]
    [TestCase("a//b", "empty segment")]
    [TestCase("a/", "empty segment")]
    [TestCase("../secret", "'..' segment")]
    [TestCase("a/./b", "'.' segment")]
    [TestCase("a\\..\\b", "backslash")]
    [TestCase("a%2F..%2Fb", "'%'")]
    [TestCase("a\0b", "NUL")]
    [TestCase("a\u001bb", "control character U+001B")]
    public void A_path_inside_a_run_folder_is_refused_for_the_reason_named(string path, string? reason)
    {
        var refusal = RunPaths.PathRefusal(path);
        if (reason is null) Assert.That(refusal, Is.Null);
        else Assert.That(refusal, Does.Contain(reason));
    }

    [TestCase("nightly-20260301-020000-a1b2c3", null)]
    [TestCase("..", "'..' segment")]
    [TestCase("a/b", "'/'")]
    [TestCase("", "is empty")]
    public void A_run_id_names_one_folder_of_its_own(string id, string? reason)
    {
        var refusal = RunPaths.RunIdRefusal(id);
        if (reason is null) Assert.That(refusal, Is.Null);
        else Assert.That(refusal, Does.Contain(reason));
        Assert.That(RunPaths.RunIdRefusal(new string('r', 201)), Does.Contain("longer than 200"));
    }

    [TestCase("r1/artifacts/cell/console.log", null, null)]
    [TestCase("r1/artifacts/cell/%2e%2E/x", "path", "'..' segment")]
    [TestCase("r1/artifacts/cell%2F..%2Fx", "path", "encoded '/'")]
    [TestCase("r1/artifacts/cell%5cx", "path", "backslash")]
    [TestCase("r1/artifacts/cell/a%00b", "path", "NUL")]
    [TestCase("r1/artifacts//etc/passwd", "path", "empty segment")]
    [TestCase("r1/reports/..", "name", "'..' segment")]
    [TestCase("..%2Fx/reports/report.html", "id", "encoded '/'")]
    [TestCase(".", "id", "'.' segment")]
    [TestCase("r1/", null, null)]
    public void A_run_URL_as_sent_is_checked_segment_by_segment_naming_the_field(string rest, string? field, string? reason)
    {
        var refusal = RunPathGuard.Refusal(rest);
        if (field is null) Assert.That(refusal, Is.Null);
        else
        {
            Assert.That(refusal!.Value.Field, Is.EqualTo(field));
            Assert.That(refusal.Value.Detail, Does.Contain(reason));
        }
    }

    [Test]
    public void Echoes_are_bounded_and_escape_control_characters()
    {
        var echo = RunPaths.Echo(new string('x', 5000) + "\0");
        Assert.That(echo, Has.Length.LessThan(220));
        Assert.That(echo, Does.EndWith("…(5001 chars)"));
        Assert.That(RunPaths.Echo("a\0b\nc"), Is.EqualTo("a\\u0000b\\u000ac"));
    }

    [Test]
    public void Real_paths_follow_every_link_along_the_way_and_stop_at_loops()
    {
        using var temp = new TempDirectory("tf-realpath");
        var run = Directory.CreateDirectory(Path.Combine(temp.Path, "runs", "r1")).FullName;
        Directory.CreateDirectory(Path.Combine(run, "cells", "c"));
        File.WriteAllText(Path.Combine(run, "report.html"), "<html/>");
        File.WriteAllText(Path.Combine(temp.Path, "secret.txt"), "secret");
        Directory.CreateSymbolicLink(Path.Combine(run, "cells", "c", "up"), Path.Combine("..", "..", "..", ".."));
        File.CreateSymbolicLink(Path.Combine(run, "cells", "c", "inside.html"), Path.Combine("..", "..", "report.html"));
        File.CreateSymbolicLink(Path.Combine(run, "loop-a"), "loop-b");
        File.CreateSymbolicLink(Path.Combine(run, "loop-b"), "loop-a");

        Assert.That(RunFiles.RealPath(Path.Combine(run, "cells", "c", "inside.html")), Is.EqualTo(Path.Combine(run, "report.html")));
        Assert.That(RunFiles.RealPath(Path.Combine(run, "cells", "c", "up", "secret.txt")), Is.EqualTo(Path.Combine(temp.Path, "secret.txt")));
        Assert.That(RunFiles.Inside(run, RunFiles.RealPath(Path.Combine(run, "cells", "c", "up", "secret.txt"))), Is.False);
        Assert.That(RunFiles.RealPath(Path.Combine(run, "loop-a")), Is.Null, "a loop resolves to nothing");
        Assert.That(RunFiles.RealPath(Path.Combine(run, "missing")), Is.Null);
        Assert.That(RunFiles.Inside(run, run + "-other/x"), Is.False, "a sibling with the same prefix is outside");
    }

    [Test]
    public async Task The_data_folder_and_public_URL_are_validated_naming_the_option_and_value()
    {
        await using var fixture = new ServeFixture();
        var options = ServeFixture.Options(fixture.Config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") }, "opts");
        Assert.That(FarmServerOptionsValidator.Validate(options with { DataDirectory = fixture.Root, PublicUrl = new Uri("https://farm.example.org/ci/") }), Is.Empty);
        Assert.That(FarmServerOptionsValidator.Validate(options with { DataDirectory = "relative/data" }),
            Has.One.EqualTo("DataDirectory must be an absolute path, was 'relative/data'"));
        Assert.That(FarmServerOptionsValidator.Validate(options with { PublicUrl = new Uri("ftp://farm.example.org/") }),
            Has.One.Contains("PublicUrl must be an absolute http(s) URL").And.Contains("was 'ftp://farm.example.org/'"));
        Assert.That(FarmServerOptionsValidator.Validate(options with { PublicUrl = new Uri("https://farm.example.org/?x=1") }),
            Has.One.Contains("PublicUrl must be"));
    }

    [Test]
    public void A_runs_public_report_link_is_its_HTML_report_under_the_public_URL()
    {
        Assert.That(RunFileLinks.PublicReport(new Uri("https://farm.example.org/ci/"), "nightly-1"),
            Is.EqualTo("https://farm.example.org/ci/api/v1/runs/nightly-1/reports/report.html"));
        Assert.That(RunFileLinks.PublicReport(new Uri("https://farm.example.org"), "a b"),
            Is.EqualTo("https://farm.example.org/api/v1/runs/a%20b/reports/report.html"));
        Assert.That(RunFileLinks.PublicReport(null, "nightly-1"), Is.Null);
        Assert.That(RunFileLinks.PublicReport(new Uri("https://farm.example.org/"), null), Is.Null);
    }
}
