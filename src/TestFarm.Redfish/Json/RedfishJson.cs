using System.Globalization;
using System.Text.Json;

namespace TestFarm.Redfish.Json;

/// <summary>
/// Lenient readers over Redfish bodies. Real BMCs send wrong types (a string where an array belongs,
/// numbers as strings), so properties are read by kind and anything unexpected reads as absent.
/// </summary>
public static class RedfishJson
{
    public static JsonElement? Prop(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    public static JsonElement? Path(this JsonElement e, params string[] names)
    {
        JsonElement? cur = e;
        foreach (var n in names)
        {
            cur = cur?.Prop(n);
            if (cur is null) return null;
        }
        return cur;
    }

    public static string? Str(this JsonElement e, params string[] path) =>
        e.Path(path) is { } v ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        } : null;

    public static long? Long(this JsonElement e, params string[] path)
    {
        if (e.Path(path) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.Number)
        {
            if (v.TryGetInt64(out var l)) return l;
            if (v.TryGetDouble(out var d)) return (long)Math.Round(d);
        }
        if (v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s)) return s;
        return null;
    }

    public static double? Double(this JsonElement e, params string[] path)
    {
        if (e.Path(path) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d)) return d;
        if (v.ValueKind == JsonValueKind.String && double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var s)) return s;
        return null;
    }

    /// <summary>The <c>@odata.id</c> of a link property (<c>{"Systems": {"@odata.id": ...}}</c>).</summary>
    public static string? Link(this JsonElement e, params string[] path) => e.Path(path)?.Str("@odata.id");

    /// <summary>String values of an array property; a non-array reads as empty.</summary>
    public static IReadOnlyList<string> Strings(this JsonElement e, params string[] path)
    {
        if (e.Path(path) is not { ValueKind: JsonValueKind.Array } arr) return [];
        return arr.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList();
    }

    /// <summary>Objects of an array property; a single object reads as a one-element list.</summary>
    public static IReadOnlyList<JsonElement> Objects(this JsonElement e, params string[] path) =>
        e.Path(path) switch
        {
            { ValueKind: JsonValueKind.Array } arr => arr.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Object).ToList(),
            { ValueKind: JsonValueKind.Object } one => [one],
            _ => [],
        };

    /// <summary>The member links of a collection.</summary>
    public static IReadOnlyList<string> Members(this JsonElement e) =>
        e.Objects("Members").Select(m => m.Str("@odata.id")).OfType<string>().ToList();
}
