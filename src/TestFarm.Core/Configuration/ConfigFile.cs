namespace TestFarm.Core.Configuration;

/// <summary>One configuration file's name (as it should appear in errors) and its text. Core never reads files.</summary>
public sealed record ConfigFile(string Path, string Text);

/// <summary>What a configuration file describes.</summary>
public enum ConfigFileKind { Unknown, HardwareProfile, Pool, Plan, Suite }

/// <summary>Where something was declared: file, line and column (1-based) as the YAML parser saw them.</summary>
public readonly record struct SourcePosition(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>A loaded model value with the positions of its parts (keys like <c>name</c>, <c>machines[2].profile</c>, <c>suites[1]</c>).</summary>
public sealed record Loaded<T>(T Value, string File, IReadOnlyDictionary<string, SourcePosition> Positions)
{
    /// <summary>Position of <paramref name="key"/>, or of the document start when it was not recorded.</summary>
    public SourcePosition At(string key) =>
        Positions.TryGetValue(key, out var p) ? p : Positions.TryGetValue("", out var root) ? root : new(File, 1, 1);
}
