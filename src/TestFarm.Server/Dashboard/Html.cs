using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;

namespace TestFarm.Server.Dashboard;

/// <summary>A fragment of markup that is already safe: written as is by <see cref="HtmlBuilder"/>.</summary>
internal readonly record struct Html(string Value)
{
    public static Html Empty { get; } = new("");
    public override string ToString() => Value;
}

/// <summary>
/// The dashboard's one template helper: interpolated strings whose literal parts are markup and whose holes are
/// HTML-encoded (numbers and dates formatted invariantly), unless a hole is an <see cref="Html"/> fragment.
/// </summary>
internal sealed class HtmlBuilder
{
    private readonly StringBuilder _sb = new(4096);

    public HtmlBuilder Add([InterpolatedStringHandlerArgument("")] ref Handler html) => this;

    public HtmlBuilder Add(Html html)
    {
        _sb.Append(html.Value);
        return this;
    }

    public Html Build() => new(_sb.ToString());

    public override string ToString() => _sb.ToString();

    /// <summary>Encodes <paramref name="text"/> for an element's content or a quoted attribute.</summary>
    public static string Encode(string? text) => text is null ? "" : HtmlEncoder.Default.Encode(text);

    /// <summary>Appends <paramref name="text"/> HTML-encoded (the one encoding of every hole); most values (ids, states, numbers) need none and are copied as they are.</summary>
    public static void AppendEncoded(StringBuilder sb, string? text)
    {
        if (string.IsNullOrEmpty(text)) return;
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ' ' or ':' or '/' or ',' or '+' or '(' or ')'))
            {
                HtmlEncoder.Default.Encode(new StringWriter(sb, CultureInfo.InvariantCulture), text);
                return;
            }
        }
        sb.Append(text);
    }

    /// <summary>A one-off fragment: <c>HtmlBuilder.Of($"&lt;b&gt;{name}&lt;/b&gt;")</c>.</summary>
    public static Html Of([InterpolatedStringHandlerArgument] ref Handler html) => html.ToHtml();

    [InterpolatedStringHandler]
    internal ref struct Handler
    {
        private readonly StringBuilder _sb;

        public Handler(int literalLength, int formattedCount, HtmlBuilder builder)
        {
            _ = formattedCount;
            _sb = builder._sb;
            _sb.EnsureCapacity(_sb.Length + literalLength);
        }

        public Handler(int literalLength, int formattedCount)
        {
            _ = formattedCount;
            _sb = new StringBuilder(literalLength + 64);
        }

        public readonly void AppendLiteral(string value) => _sb.Append(value);

        public readonly void AppendFormatted(Html value) => _sb.Append(value.Value);

        public readonly void AppendFormatted(string? value) => Append(value);

        public readonly void AppendFormatted<T>(T value) => Append(value is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : value?.ToString());

        public readonly void AppendFormatted<T>(T value, string? format) =>
            Append(value is IFormattable f ? f.ToString(format, CultureInfo.InvariantCulture) : value?.ToString());

        private readonly void Append(string? text) => AppendEncoded(_sb, text);

        public readonly Html ToHtml() => new(_sb.ToString());
    }
}
