namespace TestFarm.Core.GitHub;

/// <summary>
/// Who may run code on the farm's hardware. Owners, members and collaborators run at once; anyone else needs
/// a trusted <c>/ok-to-test</c> that binds to one head SHA (a new push needs a new approval). Approvals are kept in
/// the store (<see cref="IApprovalStore"/>), so every instance and every restart knows them.
/// </summary>
public sealed class TrustPolicy(IApprovalStore approvals)
{
    private static readonly HashSet<string> TrustedAssociations = new(StringComparer.OrdinalIgnoreCase)
    {
        "OWNER", "MEMBER", "COLLABORATOR",
    };

    /// <summary>True for GitHub author_association OWNER, MEMBER or COLLABORATOR.</summary>
    public static bool IsTrusted(string? authorAssociation) =>
        authorAssociation is not null && TrustedAssociations.Contains(authorAssociation);

    /// <summary>Records <c>/ok-to-test</c> by <paramref name="approver"/> for the PR's current head SHA.</summary>
    /// <returns>False (nothing recorded) when the approver is not trusted.</returns>
    public async Task<bool> ApproveAsync(string repository, int pullRequest, string headSha, string approver, string? approverAssociation, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(headSha);
        if (!IsTrusted(approverAssociation)) return false;
        await approvals.ApproveAsync(repository.ToLowerInvariant(), pullRequest, headSha.ToLowerInvariant(), approver, ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>What a change by this author at this SHA may do.</summary>
    public async Task<TrustDecision> DecideAsync(string repository, int pullRequest, string headSha, string? authorAssociation, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(headSha);
        if (IsTrusted(authorAssociation)) return TrustDecision.Trusted;
        return await approvals.IsApprovedAsync(repository.ToLowerInvariant(), pullRequest, headSha.ToLowerInvariant(), ct).ConfigureAwait(false)
            ? TrustDecision.Approved
            : TrustDecision.NeedsApproval;
    }
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
