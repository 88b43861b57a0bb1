namespace TestFarm.Orchestration.Reservations;

/// <summary>
/// Granted requests whose machines a person holds (a hands-on reservation, or a failed cell held for its author): the
/// scheduler counts each as held until the reservation's end, not as a cell running for its estimated duration.
/// </summary>
internal interface IHeldRequests
{
    /// <summary>The end of each Ready reservation's hold, by the request id it rides on.</summary>
    Task<IReadOnlyDictionary<string, DateTimeOffset>> HeldUntilAsync(CancellationToken ct);
}
