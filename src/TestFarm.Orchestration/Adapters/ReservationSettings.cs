using Microsoft.Extensions.Options;

namespace TestFarm.Orchestration.Adapters;

/// <summary>How this farm instance holds leases and runs its reservation broker (options: settable, bound from configuration).</summary>
public sealed record ReservationSettings
{
    /// <summary>Who holds the leases: one name per farm instance.</summary>
    public required string Holder { get; set; }

    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How often the broker runs a scheduling round while cells of this instance wait, besides the rounds a submit or a
    /// release here starts at once: it bounds how late another instance's release is noticed. Default 1 s; 50 ms to 5 min.
    /// </summary>
    public TimeSpan RoundInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long ended requests (done, cancelled, rejected) are kept before the broker prunes them. Default 30 days; 1 hour to 10 years.</summary>
    public TimeSpan RequestRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often the broker prunes ended requests. Default 1 hour; 1 minute to 1 day.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The farm's time zone as an offset from UTC: a plan's <c>deadline: "08:00"</c> is read in it. Default UTC; ±14 h.</summary>
    public TimeSpan FarmUtcOffset { get; set; } = TimeSpan.Zero;
}

/// <summary>Checks <see cref="ReservationSettings"/>, naming the setting and its value.</summary>
public sealed class ReservationSettingsValidator : IValidateOptions<ReservationSettings>
{
    public ValidateOptionsResult Validate(string? name, ReservationSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Holder)) errors.Add("Holder must not be empty");
        Within(errors, nameof(options.LeaseTtl), options.LeaseTtl, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        Within(errors, nameof(options.RoundInterval), options.RoundInterval, TimeSpan.FromMilliseconds(50), TimeSpan.FromMinutes(5));
        Within(errors, nameof(options.RequestRetention), options.RequestRetention, TimeSpan.FromHours(1), TimeSpan.FromDays(3650));
        Within(errors, nameof(options.PruneInterval), options.PruneInterval, TimeSpan.FromMinutes(1), TimeSpan.FromDays(1));
        Within(errors, nameof(options.FarmUtcOffset), options.FarmUtcOffset, TimeSpan.FromHours(-14), TimeSpan.FromHours(14));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> with every problem of <paramref name="settings"/>.</summary>
    public static void Ensure(ReservationSettings settings)
    {
        var result = new ReservationSettingsValidator().Validate(null, settings);
        if (result.Failed) throw new OptionsValidationException(nameof(ReservationSettings), typeof(ReservationSettings), result.Failures);
    }

    private static void Within(List<string> errors, string name, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max) errors.Add($"{name} must be {min} to {max}, was {value}");
    }
}
