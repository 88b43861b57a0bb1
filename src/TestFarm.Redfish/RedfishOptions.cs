using System.ComponentModel.DataAnnotations;

namespace TestFarm.Redfish;

/// <summary>Timeouts, retries and limits of the Redfish client. Defaults suit real BMCs.</summary>
public sealed record RedfishOptions
{
    /// <summary>The configuration section bound by <see cref="RedfishServiceCollectionExtensions.AddTestFarmRedfish"/>.</summary>
    public const string Section = "Redfish";

    /// <summary>Timeout of one HTTP call. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries after the first try on 5xx and timeouts (never other 4xx). Default 3.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>First backoff delay, doubled per retry. Default 1 s.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Calls in flight at once to one BMC. Default 2: BMCs are small computers.</summary>
    [Range(1, 64)]
    public int MaxConcurrencyPerBmc { get; set; } = 2;

    /// <summary>Interval between power-state and task polls. Default 2 s; at least 50 ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a 202 task monitor is followed. Default 10 min.</summary>
    public TimeSpan TaskDeadline { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Send If-Match with a known ETag on PATCH. Default on; some BMCs reject weak ETags.</summary>
    public bool UseIfMatch { get; set; } = true;
}
