namespace TestFarm.Core.GitHub;

/// <summary>
/// One report to deliver to GitHub, as stored: <see cref="Key"/> names what it updates (one check run, one set of
/// statuses, one comment); a newer message with the same key replaces an older one not yet being sent. <see cref="Kind"/>
/// and <see cref="Payload"/> (JSON) say what to send; <see cref="Description"/> is what people read.
/// </summary>
public sealed record OutboxMessage(string Key, string Kind, string Payload, string Description);

/// <summary>A message claimed for delivery by one instance until its claim expires.</summary>
public sealed record OutboxEntry(long Seq, OutboxMessage Message, int Attempts, DateTimeOffset Created);

/// <summary>The outbox as people see it: pending and failed counts, the oldest pending report, and a bounded list.</summary>
public sealed record OutboxView(int Pending, int Failed, DateTimeOffset? OldestPending, IReadOnlyList<PendingReport> Entries);

/// <summary>
/// The durable GitHub outbox shared by every instance. Delivery is exactly once per key and oldest first: a claim takes
/// only the oldest message of each key, and no key whose older message is claimed by someone else; a claim expires, so a
/// dead instance's messages are taken over.
/// </summary>
public interface IOutboxStore
{
    /// <summary>Adds messages, each replacing the older message of its key unless that one is claimed right now.</summary>
    Task EnqueueAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken = default);

    /// <summary>Claims up to <paramref name="max"/> due messages for <paramref name="instance"/> until now + <paramref name="claimFor"/>.</summary>
    Task<IReadOnlyList<OutboxEntry>> ClaimAsync(string instance, int max, TimeSpan claimFor, CancellationToken cancellationToken = default);

    /// <summary>The message was delivered: it goes. False when the claim had been lost to another instance.</summary>
    Task<bool> DeliveredAsync(long seq, string instance, CancellationToken cancellationToken = default);

    /// <summary>An outage: the message waits until <paramref name="next"/>, its claim released.</summary>
    Task RetryLaterAsync(long seq, string instance, string error, DateTimeOffset next, CancellationToken cancellationToken = default);

    /// <summary>GitHub refused it: kept visible as failed (with the status), never retried.</summary>
    Task RefusedAsync(long seq, string instance, string error, int? status, CancellationToken cancellationToken = default);

    /// <summary>Counts and the first <paramref name="max"/> entries, oldest first.</summary>
    Task<OutboxView> ListOutboxAsync(int max, CancellationToken cancellationToken = default);
}

/// <summary>GitHub ids the farm created (check runs, sticky comments), by the farm's key, so every instance and restart edits the same one.</summary>
public interface IGitHubIdStore
{
    Task<long?> GetIdAsync(string key, CancellationToken cancellationToken = default);

    Task SetIdAsync(string key, long id, CancellationToken cancellationToken = default);
}

/// <summary><c>/ok-to-test</c> approvals, each bound to a repository, a pull request and a head SHA.</summary>
public interface IApprovalStore
{
    Task ApproveAsync(string repository, int pullRequest, string headSha, string approver, CancellationToken cancellationToken = default);

    Task<bool> IsApprovedAsync(string repository, int pullRequest, string headSha, CancellationToken cancellationToken = default);
}

/// <summary>Webhook delivery ids (X-GitHub-Delivery) seen by any instance.</summary>
public interface IDeliveryStore
{
    /// <summary>True the first time any instance records <paramref name="deliveryId"/>.</summary>
    Task<bool> TryAddAsync(string deliveryId, CancellationToken cancellationToken = default);

    /// <summary>Forgets a delivery whose handling failed, so GitHub's redelivery is accepted.</summary>
    Task ForgetAsync(string deliveryId, CancellationToken cancellationToken = default);
}
