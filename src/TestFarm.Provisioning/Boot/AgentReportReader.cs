using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using TestFarm.Core.Text;

namespace TestFarm.Provisioning.Boot;

/// <summary>
/// Reads an agent callback's JSON body into its report and checks it (<see cref="AgentReportCheck"/>): the report, or why
/// there is none ("body: ..." naming the JSON path where the parser stopped, or the field at fault; the input itself is
/// never echoed). The caller bounds the body's size.
/// </summary>
public static class AgentReportReader
{
    public static async Task<(AgentBootedReport? Report, string? Problem)> ReadBootedAsync(Stream body, CancellationToken cancellationToken)
    {
        var (report, problem) = await ReadAsync(body, AgentJsonContext.Default.AgentBootedReport, cancellationToken).ConfigureAwait(false);
        problem ??= AgentReportCheck.Problem(report!);
        return problem is null ? (AgentReportCheck.Normalize(report!), null) : (null, problem);
    }

    public static async Task<(AgentCleanedReport? Report, string? Problem)> ReadCleanedAsync(Stream body, CancellationToken cancellationToken)
    {
        var (report, problem) = await ReadAsync(body, AgentJsonContext.Default.AgentCleanedReport, cancellationToken).ConfigureAwait(false);
        problem ??= AgentReportCheck.Problem(report!);
        return problem is null ? (AgentReportCheck.Normalize(report!), null) : (null, problem);
    }

    private static async Task<(T? Report, string? Problem)> ReadAsync<T>(Stream body, JsonTypeInfo<T> type, CancellationToken cancellationToken) where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(body, type, cancellationToken).ConfigureAwait(false) is { } report
                ? (report, null) : (null, "body: must be the agent's report as a JSON object, was null");
        }
        catch (JsonException ex) when (ex.Message.IndexOf("including: ", StringComparison.Ordinal) is var at and >= 0)
        {
            // The serializer names the missing required fields after "including: "; only those names are kept.
            var names = new string([.. ex.Message[(at + "including: ".Length)..].TakeWhile(c => c is '\'' or ',' or ' ' || char.IsAsciiLetterOrDigit(c)).Take(120)]);
            return (null, $"body: required field missing: {names.Trim().TrimEnd('.', ',')}");
        }
        catch (JsonException ex)
        {
            return (null, $"body: not the agent's JSON report at {Bounded.Text(ex.Path ?? "$")} (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine})");
        }
    }
}
