using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace TestFarm.Server.Api;

/// <summary>
/// Turns the framework's binding failures (a query value that is not a number, a missing required value, a body that is
/// not the JSON expected) into a detail that names the field and what was wrong, bounded, and without .NET type names.
/// </summary>
internal static partial class BindingErrors
{
    public static (int Status, string Title, string Detail, string? Field) Describe(BadHttpRequestException error, HttpRequest request)
    {
        var message = error.Message;
        if (BindFailed().Match(message) is { Success: true } bind)
        {
            var name = bind.Groups["name"].Value;
            var values = request.Query.TryGetValue(name, out var v) ? v : default;
            var detail = values.Count > 1
                ? $"{name}: give it once, was given {values.Count} times"
                : $"{name}: must be {Expected(bind.Groups["type"].Value)}, was {Problems.Quote(bind.Groups["value"].Value)}";
            return (StatusCodes.Status400BadRequest, "Bad request", detail, name);
        }
        if (Required().Match(message) is { Success: true } required)
        {
            var name = required.Groups["name"].Value;
            return (StatusCodes.Status400BadRequest, "Bad request", $"{name}: required, was not given", name);
        }
        if (BodyFailed().IsMatch(message))
        {
            var detail = error.InnerException is System.Text.Json.JsonException json
                ? $"body: not the JSON this endpoint takes at {TestFarm.Core.Text.Bounded.Text(json.Path ?? "$")} (line {json.LineNumber + 1}, byte {json.BytePositionInLine})"
                : "body: not valid JSON";
            return (StatusCodes.Status400BadRequest, "Bad JSON", detail, "body");
        }
        if (error.StatusCode == StatusCodes.Status415UnsupportedMediaType)
            return (error.StatusCode, "Not JSON", "body: send it as application/json", "body");
        if (error.StatusCode == StatusCodes.Status413PayloadTooLarge)
            return (error.StatusCode, "Body too large", "body: larger than this endpoint takes", "body");
        return (error.StatusCode, "Bad request", "the request could not be read", null);
    }

    /// <summary>What a value of the parameter's type looks like, in words.</summary>
    private static string Expected(string type) => (type.StartsWith("Nullable<", StringComparison.Ordinal) ? type[9..].TrimEnd('>') : type.TrimEnd('?')) switch
    {
        "int" or "long" or "short" or "Int32" or "Int64" or "Int16" => "a whole number in range",
        "bool" or "Boolean" => "true or false",
        "double" or "decimal" or "float" => "a number",
        "DateTimeOffset" or "DateTime" => "a date and time (ISO 8601)",
        "TimeSpan" => "a duration (hh:mm:ss)",
        "Guid" => "a GUID",
        _ => "a valid value",
    };

    [GeneratedRegex("""^Failed to bind parameter "(?<type>[^ "]+) (?<name>[A-Za-z0-9_]+)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex BindFailed();

    [GeneratedRegex("""^Required parameter "(?<type>[^ "]+) (?<name>[A-Za-z0-9_]+)" was not provided""")]
    private static partial Regex Required();

    [GeneratedRegex("""^Failed to read parameter ".*" from the request body as JSON""", RegexOptions.Singleline)]
    private static partial Regex BodyFailed();
}
