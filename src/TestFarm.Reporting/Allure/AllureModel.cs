using System.Text.Json.Serialization;

namespace TestFarm.Reporting.Allure;

// The allure2 results format as read by the Allure 3 reader (packages/reader/src/allure2/model.ts).

internal sealed record AllureResult
{
    public required string Uuid { get; init; }
    public required string HistoryId { get; init; }
    public required string TestCaseId { get; init; }
    public required string FullName { get; init; }
    public required string Name { get; init; }
    public string? Description { get; init; }
    public required string Status { get; init; }
    public AllureStatusDetails? StatusDetails { get; init; }
    public string Stage { get; init; } = "finished";
    public long Start { get; init; }
    public long Stop { get; init; }
    public IReadOnlyList<AllureLabel> Labels { get; init; } = [];
    public IReadOnlyList<AllureParameter> Parameters { get; init; } = [];
    public IReadOnlyList<AllureStep> Steps { get; init; } = [];
    public IReadOnlyList<AllureAttachment> Attachments { get; init; } = [];
}

internal sealed record AllureStatusDetails
{
    public string? Message { get; init; }
    public string? Trace { get; init; }
    public bool Flaky { get; init; }
    public bool Muted { get; init; }
    public bool Known { get; init; }
}

internal sealed record AllureLabel(string Name, string Value);

internal sealed record AllureParameter(string Name, string Value);

internal sealed record AllureAttachment(string Name, string Source, string Type);

internal sealed record AllureStep
{
    public required string Name { get; init; }
    public required string Status { get; init; }
    public AllureStatusDetails? StatusDetails { get; init; }
    public string Stage { get; init; } = "finished";
    public long Start { get; init; }
    public long Stop { get; init; }
    public IReadOnlyList<AllureStep> Steps { get; init; } = [];
    public IReadOnlyList<AllureAttachment> Attachments { get; init; } = [];
}

internal sealed record AllureContainer
{
    public required string Uuid { get; init; }
    public required string Name { get; init; }
    public IReadOnlyList<string> Children { get; init; } = [];
    public IReadOnlyList<AllureStep> Befores { get; init; } = [];
    public IReadOnlyList<AllureStep> Afters { get; init; } = [];
    public long Start { get; init; }
    public long Stop { get; init; }
}

internal sealed record AllureCategory
{
    public required string Name { get; init; }
    public IReadOnlyList<string> MatchedStatuses { get; init; } = [];
    public string? MessageRegex { get; init; }
    public bool? Flaky { get; init; }
}

internal sealed record AllureExecutor
{
    public required string Name { get; init; }
    public required string Type { get; init; }
    public string? Url { get; init; }
    public string? BuildName { get; init; }
    public string? BuildUrl { get; init; }
    public string? ReportName { get; init; }
    public string? ReportUrl { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AllureResult))]
[JsonSerializable(typeof(AllureContainer))]
[JsonSerializable(typeof(IReadOnlyList<AllureCategory>))]
[JsonSerializable(typeof(AllureExecutor))]
internal sealed partial class AllureJsonContext : JsonSerializerContext;
