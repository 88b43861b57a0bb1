using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using TestFarm.Core.Configuration;

namespace TestFarm.Configuration.Tests;

/// <summary>
/// Property: the shipped files, mutated (byte flips, truncation, inserted YAML indicator characters, deep nesting,
/// huge lines, several at once), never make loading throw, and every error names a place inside the file.
/// </summary>
public sealed partial class MutatedFilesTests
{
    public const int CasesPerKind = 1000;

    private static readonly string[] Indicators = [":", "[", "{", "&", "*", "!", "|", ": [", "{ &a", "*a", "!!", "- ", "\t", "\"", "'", "%", "@", "`", ">", "? ", "#", "---\n", "...\n", "\n  ", "\r"];

    private static readonly Gen<(int Kind, int Where, int Arg)[]> Mutations =
        Gen.Select(Gen.Int[0, 5], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue]).Array[1, 4];

    [TestCase("hardware-profiles")]
    [TestCase("scenarios/plans")]
    [TestCase("scenarios/suites")]
    [TestCase("pool.yaml")]
    public void A_mutated_shipped_file_never_makes_loading_throw_and_every_error_is_inside_the_file(string kind)
    {
        var files = kind.EndsWith(".yaml", StringComparison.Ordinal)
            ? [new ConfigFile(kind, File.ReadAllText(Testing.Fixtures.Repo(kind)))]
            : ShippedFiles.Read(kind);
        Assert.That(files, Is.Not.Empty, $"no shipped files under {kind}");
        var cases = 0;
        var errors = 0;
        Gen.Select(Gen.Int[0, files.Count - 1], Mutations).Sample(((int File, (int Kind, int Where, int Arg)[] Steps) c) =>
        {
            var file = files[c.File];
            var text = c.Steps.Aggregate(file.Text, Mutate);
            var set = ConfigurationLoader.Load([file with { Text = text }]);
            var lines = LineBreak().Split(text);
            foreach (var e in set.Errors)
            {
                if (e.File != file.Path || e.Line < 1 || e.Line > lines.Length || e.Column < 1 || e.Column > lines[e.Line - 1].Length + 1)
                    throw new InvalidOperationException($"error outside {file.Path} ({lines.Length} lines): {e}");
                if (e.Message.Length > ConfigError.MaxMessageLength)
                    throw new InvalidOperationException($"unbounded message ({e.Message.Length} characters) at {e.File}:{e.Line}:{e.Column}");
            }
            cases++;
            errors += set.Errors.Count;
        }, iter: CasesPerKind, threads: 1, print: c => $"{files[c.Item1].Path} with {string.Join(", ", c.Item2)}");
        TestContext.Out.WriteLine($"{kind}: {cases} mutated cases over {files.Count} file(s), {errors} errors, 0 exceptions");
        Assert.That(cases, Is.EqualTo(CasesPerKind));
    }

    [Test]
    public void Nesting_ten_thousand_levels_deep_is_an_error_at_its_place_not_a_crash()
    {
        var set = ConfigurationLoader.Load([new ConfigFile("pool.yaml", "machines:\n  - " + new string('[', 10_000))]);

        Assert.That(set.Errors.Select(e => e.ToString()), Is.EqualTo(new[] { $"pool.yaml:2:{5 + BoundedParser.MaxDepth - 2}: nested deeper than {BoundedParser.MaxDepth} levels" }));
    }

    [Test]
    public void A_huge_value_is_echoed_bounded()
    {
        var set = ConfigurationLoader.Load([new ConfigFile("pool.yaml", "machines:\n  - id: " + new string('x', 100_000) + "\n    bogus: 1\n")]);

        Assert.That(set.Errors, Is.Not.Empty);
        Assert.That(set.Errors.Max(e => e.Message.Length), Is.LessThanOrEqualTo(ConfigError.MaxMessageLength));
    }

    private static string Mutate(string text, (int Kind, int Where, int Arg) m)
    {
        var at = text.Length == 0 ? 0 : m.Where % (text.Length + 1);
        switch (m.Kind)
        {
            case 0: // flip bits of one UTF-8 byte
                var bytes = Encoding.UTF8.GetBytes(text);
                if (bytes.Length == 0) return text;
                bytes[m.Where % bytes.Length] ^= (byte)(1 + m.Arg % 255);
                return Encoding.UTF8.GetString(bytes);
            case 1: return text[..at];
            case 2: return text.Insert(at, Indicators[m.Arg % Indicators.Length]);
            case 3: return text.Insert(at, m.Arg % 2 == 0 ? new string('[', 100 + m.Arg % 5000) : string.Concat(Enumerable.Repeat("- ", 100 + m.Arg % 2000)));
            case 4: return text.Insert(at, new string((char)('a' + m.Arg % 26), 10_000 + m.Arg % 200_000));
            default: return text.Remove(at, Math.Min(text.Length - at, m.Arg % 40));
        }
    }

    [GeneratedRegex("\r\n|\r|\n|\u0085|\u2028|\u2029")]
    private static partial Regex LineBreak();
}
