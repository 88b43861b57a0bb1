namespace TestFarm.Core.HandsOn;

/// <summary>
/// Where hands-on reservations live. Every save writes the reservation and its audit events (one for the reservation,
/// one per machine when its state changed) in one transaction, so a farm restart finds each reservation and deadline.
/// </summary>
public interface IHandsOnStore
{
    /// <summary>Writes <paramref name="reservation"/> (insert or replace) with an audit event saying <paramref name="why"/>.</summary>
    Task SaveHandsOnAsync(HandsOnReservation reservation, string why, CancellationToken ct = default);

    Task<HandsOnReservation?> GetHandsOnAsync(string id, CancellationToken ct = default);

    /// <summary>Newest first; with <paramref name="openOnly"/> only those not Ended. At most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<HandsOnReservation>> ListHandsOnAsync(bool openOnly, int limit = 500, CancellationToken ct = default);
}
