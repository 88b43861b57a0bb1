using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace TestFarm.Configuration;

/// <summary>
/// The YAML parser with a nesting limit (the node tree is built recursively, so a file of ten thousand '['
/// must stop with an error, not the process) and the position it last reached, for errors the scanner raises
/// without one.
/// </summary>
internal sealed class BoundedParser(string text) : IParser
{
    public const int MaxDepth = 64;

    private readonly Parser inner = new(new StringReader(text));
    private int depth;

    public ParsingEvent? Current => inner.Current;

    /// <summary>Where the last event the parser produced ended (the start of the file before the first).</summary>
    public Mark Reached { get; private set; } = Mark.Empty;

    public bool MoveNext()
    {
        if (!inner.MoveNext()) return false;
        if (inner.Current is not { } e) return true;
        Reached = e.End;
        if (e is SequenceStart or MappingStart && ++depth > MaxDepth)
            throw new NestingTooDeepException(e.Start, e.End);
        if (e is SequenceEnd or MappingEnd) depth--;
        return true;
    }
}

/// <summary>A document nested deeper than <see cref="BoundedParser.MaxDepth"/> levels.</summary>
internal sealed class NestingTooDeepException(Mark start, Mark end)
    : YamlException(start, end, $"nested deeper than {BoundedParser.MaxDepth} levels");
