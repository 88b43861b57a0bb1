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
            return JsonSerializer.Deserialize(File.ReadAllText(path), RunResultJsonContext.Default.RunResult)
                   ?? throw new InvalidDataException($"{path}: empty run result");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}:{(e.LineNumber ?? 0) + 1}:{(e.BytePositionInLine ?? 0) + 1}: {e.Message}", e);
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunResult))]
internal sealed partial class RunResultJsonContext : JsonSerializerContext;
