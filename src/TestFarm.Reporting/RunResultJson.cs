using System.Text.Json;
using System.Text.Json.Serialization;
using TestFarm.Core.Results;

namespace TestFarm.Reporting;

/// <summary>Reads and writes a <see cref="RunResult"/> as JSON (<c>run.json</c> beside the reports).</summary>
public static class RunResultJson
{
    public const string FileName = "run.json";

    public static void Write(RunResult run, string path) =>
        File.WriteAllText(path, JsonSerializer.Serialize(run, RunResultJsonContext.Default.RunResult));

    /// <summary>Reads a run; a directory means its <c>run.json</c>. Errors name the file, line and position.</summary>
    public static RunResult Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) path = Path.Combine(path, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"no run result at {path}", path);
        try
        {
            var run = JsonSerializer.Deserialize(File.ReadAllText(path), RunResultJsonContext.Default.RunResult)
                      ?? throw new InvalidDataException($"{path}: empty run result");
            return Normalize(run);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}:{(e.LineNumber ?? 0) + 1}:{(e.BytePositionInLine ?? 0) + 1}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The source generator assigns every init-only member, so members missing from the JSON come back null
    /// rather than their empty defaults; put the defaults back.
    /// </summary>
    private static RunResult Normalize(RunResult run) => run with
    {
        Cells = [.. (run.Cells ?? []).Select(c => c with
        {
            Tests = [.. (c.Tests ?? []).Select(t => t with { Tags = t.Tags ?? [], Attachments = t.Attachments ?? [] })],
            Phases = c.Phases ?? [],
            Evidence = c.Evidence ?? new Dictionary<string, string>(),
            Drift = c.Drift ?? [],
            Machines = c.Machines ?? [],
            Recoveries = c.Recoveries ?? new Dictionary<string, TimeSpan>(),
            ReimagePaths = c.ReimagePaths ?? new Dictionary<string, string>(),
        })],
    };
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunResult))]
internal sealed partial class RunResultJsonContext : JsonSerializerContext;
