namespace TestFarm.Core.GitHub;

/// <summary>
/// Who may run code on the farm's hardware. Owners, members and collaborators run at once; anyone else needs
/// a trusted <c>/ok-to-test</c> that binds to one head SHA (a new push needs a new approval).
/// </summary>
public sealed class TrustPolicy
{
    private static readonly HashSet<string> TrustedAssociations = new(StringComparer.OrdinalIgnoreCase)
    {
        "OWNER", "MEMBER", "COLLABORATOR",
    };

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Repo, int Pr), Approval> _approvals = [];

    /// <summary>True for GitHub author_association OWNER, MEMBER or COLLABORATOR.</summary>
    public static bool IsTrusted(string? authorAssociation) =>
        authorAssociation is not null && TrustedAssociations.Contains(authorAssociation);

    /// <summary>Records <c>/ok-to-test</c> by <paramref name="approver"/> for the PR's current head SHA.</summary>
    /// <returns>False (nothing recorded) when the approver is not trusted.</returns>
    public bool Approve(string repository, int pullRequest, string headSha, string approver, string? approverAssociation)
    {
        if (!IsTrusted(approverAssociation)) return false;
        lock (_gate) { _approvals[(Key(repository), pullRequest)] = new Approval(headSha, approver); }
        return true;
    }

    /// <summary>What a change by this author at this SHA may do.</summary>
    public TrustDecision Decide(string repository, int pullRequest, string headSha, string? authorAssociation)
    {
        if (IsTrusted(authorAssociation)) return TrustDecision.Trusted;
        lock (_gate)
        {
            return _approvals.TryGetValue((Key(repository), pullRequest), out var approval)
                   && string.Equals(approval.HeadSha, headSha, StringComparison.OrdinalIgnoreCase)
                ? TrustDecision.Approved
                : TrustDecision.NeedsApproval;
        }
    }

    private static string Key(string repository) => repository.ToLowerInvariant();

    private sealed record Approval(string HeadSha, string Approver);
}

public enum TrustDecision
{
    /// <summary>Member or collaborator: run now.</summary>
    Trusted,
    /// <summary>Untrusted author approved for this SHA: run, and end in a full reimage.</summary>
    Approved,
    /// <summary>Wait for <c>/ok-to-test</c>.</summary>
    NeedsApproval,
}
