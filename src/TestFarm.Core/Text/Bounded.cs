namespace TestFarm.Core.Text;

/// <summary>
/// Outside input repeated in an error message (a JSON path built from the caller's property names, an XML name, a BMC's
/// message), cut so that no message grows with its input: the first <c>max</c> characters and how many there were.
/// </summary>
public static class Bounded
{
    public const int DefaultMax = 100;

    public static string Text(string? value, int max = DefaultMax) =>
        value is null ? "" : value.Length <= max ? value : $"{value[..max]}…({value.Length} characters)";
}
