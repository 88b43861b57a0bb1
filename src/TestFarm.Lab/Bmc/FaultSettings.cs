namespace TestFarm.Lab.Bmc;

/// <summary>
/// Misbehaviour of one virtual BMC, set in the lab's options or at run time through
/// <c>PUT /lab/machines/{id}/faults</c>. All off by default.
/// </summary>
public sealed record FaultSettings
{
    /// <summary>Share (0..1) of Redfish requests answered with <see cref="ErrorStatus"/>.</summary>
    public double ErrorRate { get; init; }
    /// <summary>The 5xx status of injected errors; 0 means 500.</summary>
    public int ErrorStatus { get; init; }

    /// <summary>The status an injected error is answered with.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int EffectiveErrorStatus => ErrorStatus == 0 ? 500 : ErrorStatus;
    /// <summary>Added to every Redfish request, on the lab's clock.</summary>
    public TimeSpan Latency { get; init; }
    /// <summary>Share (0..1) of Redfish requests that never get an answer (until the client gives up).</summary>
    public double TimeoutRate { get; init; }
    /// <summary>Reset requests are accepted (204) but the power state does not change.</summary>
    public bool PowerStuck { get; init; }
    /// <summary>Boot override PATCHes are accepted but nothing is stored.</summary>
    public bool BootOverrideIgnored { get; init; }
    /// <summary>How many NICs (from the end) are left out of the inventory.</summary>
    public int MissingNics { get; init; }
    /// <summary>How many drives (from the end) are left out of the inventory.</summary>
    public int MissingDrives { get; init; }
    /// <summary>Most sessions at once; a further login gets 503. Null: no limit.</summary>
    public int? SessionLimit { get; init; }

    public static FaultSettings None { get; } = new();

    /// <summary>Every out-of-range value, named with the field and the value.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (ErrorRate is < 0 or > 1) errors.Add($"errorRate must be within 0..1, was {ErrorRate}");
        if (TimeoutRate is < 0 or > 1) errors.Add($"timeoutRate must be within 0..1, was {TimeoutRate}");
        if (ErrorStatus != 0 && ErrorStatus is < 500 or > 599) errors.Add($"errorStatus must be a 5xx status, was {ErrorStatus}");
        if (Latency < TimeSpan.Zero) errors.Add($"latency must not be negative, was {Latency}");
        if (MissingNics < 0) errors.Add($"missingNics must not be negative, was {MissingNics}");
        if (MissingDrives < 0) errors.Add($"missingDrives must not be negative, was {MissingDrives}");
        if (SessionLimit is < 0) errors.Add($"sessionLimit must not be negative, was {SessionLimit}");
        return errors;
    }
}
