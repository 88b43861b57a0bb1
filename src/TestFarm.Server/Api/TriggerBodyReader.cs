using System.Text.Json;

namespace TestFarm.Server.Api;

/// <summary>
/// Reads <c>POST /api/v1/runs</c>'s JSON body (<c>{"plan": NAME}</c>, names case-insensitive as in every API body): the
/// body, or the field at fault and why, naming the JSON path and position and never a .NET type name or the input.
/// </summary>
internal static class TriggerBodyReader
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static async Task<(TriggerBody? Body, string? Problem, string Field)> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        try
        {
            return (await JsonSerializer.DeserializeAsync<TriggerBody>(body, Options, cancellationToken).ConfigureAwait(false), null, "body");
        }
        catch (JsonException ex)
        {
            var field = ex.Path is { Length: > 1 } p ? TestFarm.Core.Text.Bounded.Text(p.TrimStart('$', '.')) : "body";
            return (null, $"body: {Webhooks.WebhookPayloadCheck.Describe(ex)}", field);
        }
    }
}
