using System.Text;

namespace TestFarm.Cli.Commands.Fuzz;

/// <summary>
/// Plain mutations over bytes, stacked one to four per case: bit flips, truncation, deletion, duplication of a slice,
/// the target's dictionary tokens, deep nesting, a huge line, extreme numbers, raw bytes (NUL, invalid UTF-8) and
/// splicing with another corpus entry. Deterministic: the same <see cref="Random"/> seed gives the same input.
/// </summary>
internal static class Mutator
{
    private const int MaxInput = 1 << 20;

    private static readonly string[] Numbers =
        ["0", "-1", "2147483648", "-2147483649", "99999999999999999999999", "1e400", "-1e-400", "NaN", "0x7f", "1.5", "00"];

    public static byte[] Mutate(Random random, byte[] input, FuzzTarget target, IReadOnlyList<byte[]> corpus)
    {
        var bytes = input;
        var steps = 1 + random.Next(4);
        for (var i = 0; i < steps; i++) bytes = Once(random, bytes, target, corpus);
        return bytes.Length > MaxInput ? bytes[..MaxInput] : bytes;
    }

    private static byte[] Once(Random random, byte[] b, FuzzTarget target, IReadOnlyList<byte[]> corpus)
    {
        var at = random.Next(b.Length + 1);
        switch (random.Next(10))
        {
            case 0:
                if (b.Length == 0) return b;
                var flipped = (byte[])b.Clone();
                flipped[random.Next(b.Length)] ^= (byte)(1 << random.Next(8));
                return flipped;
            case 1: return b[..at];
            case 2: return Insert(b, at, Encoding.UTF8.GetBytes(Pick(random, target.Dictionary, ":")));
            case 3:
                var opener = Pick(random, target.Nesting, "[");
                return Insert(b, at, Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(opener, 100 + random.Next(3000)))));
            case 4: return Insert(b, at, Encoding.UTF8.GetBytes(new string((char)('a' + random.Next(26)), 10_000 + random.Next(100_000))));
            case 5: return Remove(b, at, random.Next(1, 40));
            case 6:
                if (b.Length == 0) return b;
                var from = random.Next(b.Length);
                var length = Math.Min(b.Length - from, 1 + random.Next(256));
                return Insert(b, random.Next(b.Length + 1), b[from..(from + length)]);
            case 7:
                if (corpus.Count == 0) return b;
                var other = corpus[random.Next(corpus.Count)];
                var cut = random.Next(other.Length + 1);
                return [.. b[..at], .. other[cut..]];
            case 8: return Insert(b, at, Encoding.UTF8.GetBytes(Numbers[random.Next(Numbers.Length)]));
            default:
                var raw = new byte[1 + random.Next(4)];
                random.NextBytes(raw);
                if (random.Next(3) == 0) raw[0] = 0;
                return Insert(b, at, raw);
        }
    }

    /// <summary>
    /// One structured change: a name of one of <paramref name="target"/>'s groups (a whole token) swapped for another of the
    /// same group, or a <c>count:</c> set to 0-3. An input with neither gets a byte mutation.
    /// </summary>
    public static byte[] SwapName(Random random, byte[] input, FuzzTarget target, IReadOnlyList<byte[]> corpus)
    {
        var text = Encoding.UTF8.GetString(input);
        var spots = new List<(int At, int Length, IReadOnlyList<string>? Group)>();
        foreach (var group in target.Names)
        {
            foreach (var name in group.Where(n => n.Length > 0))
            {
                for (var i = text.IndexOf(name, StringComparison.Ordinal); i >= 0; i = text.IndexOf(name, i + name.Length, StringComparison.Ordinal))
                    if (Whole(text, i, name.Length)) spots.Add((i, name.Length, group));
            }
        }
        for (var i = text.IndexOf("count: ", StringComparison.Ordinal); i >= 0; i = text.IndexOf("count: ", i + 7, StringComparison.Ordinal))
        {
            var digits = 0;
            while (i + 7 + digits < text.Length && char.IsAsciiDigit(text[i + 7 + digits])) digits++;
            if (digits > 0) spots.Add((i + 7, digits, null));
        }
        if (spots.Count == 0) return Mutate(random, input, target, corpus);
        var (at, length, names) = spots[random.Next(spots.Count)];
        var replacement = names is null ? random.Next(4).ToString(System.Globalization.CultureInfo.InvariantCulture) : names[random.Next(names.Count)];
        return Encoding.UTF8.GetBytes(string.Concat(text.AsSpan(0, at), replacement, text.AsSpan(at + length)));
    }

    private static bool Whole(string text, int at, int length) =>
        (at == 0 || !IsNameChar(text[at - 1])) && (at + length >= text.Length || !IsNameChar(text[at + length]));

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.';

    private static string Pick(Random random, IReadOnlyList<string> list, string fallback) =>
        list.Count == 0 ? fallback : list[random.Next(list.Count)];

    private static byte[] Insert(byte[] b, int at, byte[] what) => [.. b[..at], .. what, .. b[at..]];

    private static byte[] Remove(byte[] b, int at, int count) => [.. b[..at], .. b[Math.Min(b.Length, at + count)..]];
}
