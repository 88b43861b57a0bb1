using System.ComponentModel.DataAnnotations;

namespace TestFarm.GitHub;

/// <summary>
/// How TestFarm talks to GitHub (configuration section <c>GitHub</c>). Either <see cref="Token"/> (plain token:
/// GitHub Enterprise, tests) or <see cref="AppId"/> + <see cref="PrivateKeyPath"/>/<see cref="PrivateKeyPem"/> +
/// <see cref="InstallationId"/> (GitHub App).
/// </summary>
public sealed class GitHubOptions
{
    public const string Section = "GitHub";

    /// <summary>REST base URL; default https://api.github.com (GitHub Enterprise: https://host/api/v3).</summary>
    [Required]
    public Uri BaseUrl { get; set; } = new("https://api.github.com/");

    /// <summary>Plain token mode. Never logged.</summary>
    public string? Token { get; set; }

    public long? AppId { get; set; }
    public long? InstallationId { get; set; }
    /// <summary>The App's private key (PEM). Never logged.</summary>
    public string? PrivateKeyPem { get; set; }
    public string? PrivateKeyPath { get; set; }

    /// <summary>Timeout of each HTTP attempt. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries of 5xx, timeouts and rate limits. Default 4.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 4;

    /// <summary>First backoff delay for 5xx (doubles, with jitter). Default 1 s.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A rate limit asking to wait longer than this is not waited for inline: the report goes to the outbox. Default 2 min.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the outbox is looked at, and the first wait after a failed delivery (doubling each time). Default 1 min.</summary>
    public TimeSpan OutboxInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest wait between two attempts of one report. Default 15 min.</summary>
    public TimeSpan OutboxMaxBackoff { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long an instance's claim on a report lasts; a dead instance's reports are taken over after it. Default 5 min.</summary>
    public TimeSpan OutboxClaim { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>An installation token is renewed this long before it expires. Default 5 min.</summary>
    public TimeSpan TokenRefreshMargin { get; set; } = TimeSpan.FromMinutes(5);
}
