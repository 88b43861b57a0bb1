using System.Text;

namespace TestFarm.Server.Dashboard.Logs;

/// <summary>A slice of a log: bytes [<see cref="Start"/>, <see cref="End"/>) of a file <see cref="Size"/> long, as text.</summary>
internal sealed record LogChunk(long Start, long End, long Size, string Text);

/// <summary>One search hit: the byte offset of its line and the line (cut at <see cref="LogReader.MaxLine"/> bytes).</summary>
internal sealed record LogHit(long Offset, string Line);

/// <summary>What a search found: hits in file order, how far it read, whether it stopped at the hit limit.</summary>
internal sealed record LogSearch(IReadOnlyList<LogHit> Hits, long ScannedTo, long Size, bool Truncated);

/// <summary>
/// Reads logs of any size without loading them: a chunk ending at an offset (the tail, or older pages backwards), a
/// chunk starting at an offset (following a growing file), and a streaming search that scans fixed buffers for the
/// query's bytes and stops at a bounded number of hits. Chunks are cut at line boundaries.
/// </summary>
internal static class LogReader
{
    public const int MaxChunk = 1 << 20;
    public const int MaxLine = 4096;
    private const int Buffer = 1 << 20;

    /// <summary>Up to <paramref name="limit"/> bytes ending at <paramref name="before"/> (the file's end when null), starting on a line.</summary>
    public static LogChunk Before(string path, long? before, int limit)
    {
        using var file = Open(path);
        var size = file.Length;
        var end = Math.Clamp(before ?? size, 0, size);
        var start = Math.Max(0, end - limit);
        var bytes = Read(file, start, (int)(end - start));
        var skip = 0;
        if (start > 0)
        {
            // Drop the partial first line (the previous page ends with it) unless the chunk is one long line.
            var nl = Array.IndexOf(bytes, (byte)'\n');
            if (nl >= 0 && nl < bytes.Length - 1) skip = nl + 1;
        }
        return new LogChunk(start + skip, end, size, Decode(bytes.AsSpan(skip)));
    }

    /// <summary>Up to <paramref name="limit"/> bytes from <paramref name="after"/>, ending on a line when a line ends in them.</summary>
    public static LogChunk After(string path, long after, int limit)
    {
        using var file = Open(path);
        var size = file.Length;
        var start = Math.Clamp(after, 0, size);
        var bytes = Read(file, start, (int)Math.Min(limit, size - start));
        var keep = bytes.Length;
        var nl = Array.LastIndexOf(bytes, (byte)'\n');
        if (nl >= 0) keep = nl + 1;
        else if (bytes.Length < limit) keep = 0; // a line still being written: wait for its end
        return new LogChunk(start, start + keep, size, Decode(bytes.AsSpan(0, keep)));
    }

    /// <summary>The lines containing <paramref name="query"/> (ordinal, case-sensitive bytes), from <paramref name="from"/>, at most <paramref name="max"/>.</summary>
    public static LogSearch Search(string path, string query, long from, int max, CancellationToken ct)
    {
        var needle = Encoding.UTF8.GetBytes(query);
        using var file = Open(path);
        var size = file.Length;
        var hits = new List<LogHit>();
        var buffer = new byte[Buffer + MaxLine];
        var offset = Math.Clamp(from, 0, size);
        file.Position = offset;
        var carry = 0; // bytes at buffer's start carried from the previous read (a partial line)
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var read = file.Read(buffer, carry, Buffer);
            var length = carry + read;
            if (length == 0) break;
            var span = buffer.AsSpan(0, length);
            var bufferStart = offset - carry;
            // Search only up to the last complete line (or everything at the end of the file).
            var lastNl = read == 0 ? length - 1 : span.LastIndexOf((byte)'\n');
            var searchable = lastNl < 0 ? (length >= Buffer ? length : 0) : lastNl + 1;
            var pos = 0;
            while (pos < searchable)
            {
                var at = span[pos..searchable].IndexOf(needle);
                if (at < 0) break;
                var hit = pos + at;
                var lineStart = span[..hit].LastIndexOf((byte)'\n') + 1;
                var lineEnd = span[hit..searchable].IndexOf((byte)'\n');
                lineEnd = lineEnd < 0 ? searchable : hit + lineEnd;
                hits.Add(new LogHit(bufferStart + lineStart, Decode(span[lineStart..Math.Min(lineEnd, lineStart + MaxLine)])));
                if (hits.Count >= max) return new LogSearch(hits, bufferStart + lineEnd, size, true);
                pos = lineEnd + 1;
            }
            if (read == 0) break;
            // Carry the partial last line (at most MaxLine bytes of it) to the next read.
            var rest = length - searchable;
            carry = Math.Min(rest, MaxLine);
            span[(length - carry)..].CopyTo(buffer);
            offset += read;
        }
        return new LogSearch(hits, size, size, false);
    }

    private static FileStream Open(string path) =>
        new(path, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite | FileShare.Delete, BufferSize = 0 });

    private static byte[] Read(FileStream file, long start, int count)
    {
        var bytes = new byte[count];
        file.Position = start;
        var done = 0;
        while (done < count)
        {
            var n = file.Read(bytes, done, count - done);
            if (n == 0) break;
            done += n;
        }
        return done == count ? bytes : bytes[..done];
    }

    private static string Decode(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
