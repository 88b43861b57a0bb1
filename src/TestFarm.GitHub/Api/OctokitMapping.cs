using Octokit;
using TestFarm.Core.GitHub;
using CheckRunOutput = TestFarm.Core.GitHub.CheckRunOutput;
using CheckAnnotation = TestFarm.Core.GitHub.CheckAnnotation;
using CheckRunRequest = TestFarm.Core.GitHub.CheckRunRequest;
using CommitStatus = TestFarm.Core.GitHub.CommitStatus;

namespace TestFarm.GitHub.Api;

/// <summary>TestFarm's check run, annotation and status models as Octokit's request types.</summary>
internal static class OctokitMapping
{
    public static NewCheckRun NewCheckRun(CheckRunRequest r) => new(r.Name, r.HeadSha ?? throw new ArgumentException("a new check run needs a head SHA", nameof(r)))
    {
        Status = r.Status is null ? null : Status(r.Status),
        Conclusion = r.Conclusion is null ? null : Conclusion(r.Conclusion),
        ExternalId = r.ExternalId,
        DetailsUrl = r.DetailsUrl,
        StartedAt = r.StartedAt,
        CompletedAt = r.CompletedAt,
        Output = r.Output is null ? null : Output(r.Output),
    };

    /// <summary>An update never carries the head SHA (GitHub ignores it there).</summary>
    public static CheckRunUpdate CheckRunUpdate(CheckRunRequest r) => new()
    {
        Name = r.Name,
        Status = r.Status is null ? null : Status(r.Status),
        Conclusion = r.Conclusion is null ? null : Conclusion(r.Conclusion),
        ExternalId = r.ExternalId,
        DetailsUrl = r.DetailsUrl,
        StartedAt = r.StartedAt,
        CompletedAt = r.CompletedAt,
        Output = r.Output is null ? null : Output(r.Output),
    };

    public static NewCommitStatus NewCommitStatus(CommitStatus s) => new()
    {
        State = s.State switch
        {
            "pending" => CommitState.Pending,
            "success" => CommitState.Success,
            "failure" => CommitState.Failure,
            "error" => CommitState.Error,
            _ => throw new ArgumentException($"commit status state must be pending, success, failure or error, was '{s.State}'", nameof(s)),
        },
        Context = s.Context,
        Description = s.Description,
        TargetUrl = s.TargetUrl,
    };

    private static NewCheckRunOutput Output(CheckRunOutput o) => new(o.Title, o.Summary)
    {
        Text = o.Text,
        Annotations = o.Annotations?.Select(Annotation).ToList(),
    };

    private static NewCheckRunAnnotation Annotation(CheckAnnotation a) =>
        new(a.Path, a.StartLine, a.EndLine, Level(a.AnnotationLevel), a.Message) { Title = a.Title, RawDetails = a.RawDetails };

    private static CheckStatus Status(string value) => value switch
    {
        "queued" => CheckStatus.Queued,
        "in_progress" => CheckStatus.InProgress,
        "completed" => CheckStatus.Completed,
        _ => throw new ArgumentException($"check run status must be queued, in_progress or completed, was '{value}'", nameof(value)),
    };

    private static CheckConclusion Conclusion(string value) => value switch
    {
        "success" => CheckConclusion.Success,
        "failure" => CheckConclusion.Failure,
        "neutral" => CheckConclusion.Neutral,
        "cancelled" => CheckConclusion.Cancelled,
        "timed_out" => CheckConclusion.TimedOut,
        "action_required" => CheckConclusion.ActionRequired,
        "skipped" => CheckConclusion.Skipped,
        _ => throw new ArgumentException($"check run conclusion '{value}' is not one GitHub knows", nameof(value)),
    };

    private static CheckAnnotationLevel Level(string value) => value switch
    {
        "notice" => CheckAnnotationLevel.Notice,
        "warning" => CheckAnnotationLevel.Warning,
        "failure" => CheckAnnotationLevel.Failure,
        _ => throw new ArgumentException($"annotation level must be notice, warning or failure, was '{value}'", nameof(value)),
    };
}
