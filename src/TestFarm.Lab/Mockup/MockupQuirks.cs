using System.Collections.Concurrent;

namespace TestFarm.Lab.Mockup;

/// <summary>
/// Knobs of the replay server that reproduce real BMC behaviour seen in the fixtures and the field.
/// Mutable on purpose: a test flips them between calls. Defaults behave like a well-mannered BMC.
/// </summary>
public sealed class MockupQuirks
{
    /// <summary>
    /// Serve under a path prefix the way a reverse proxy serves many BMCs on one address (<c>/bmc/&lt;id&gt;</c>):
    /// requests must carry it and every <c>@odata.id</c> and Location served carries it. Empty: none.
    /// </summary>
    public string PathPrefix { get; set; } = "";

    /// <summary>Demand a session token or basic credentials on everything but the service root and login.</summary>
    public bool RequireAuth { get; set; }
    public string User { get; set; } = "admin";
    public string Password { get; set; } = "password";

    /// <summary>Send a <c>Location</c> header on session creation (sushy's no-Location capture: false).</summary>
    public bool SessionLocationHeader { get; set; } = true;

    /// <summary>Send an <c>ETag</c> header on GET (iDRAC system bodies: none).</summary>
    public bool ETagHeader { get; set; } = true;

    /// <summary>Wrap the ETag header the way some BMCs do, e.g. <c>'{0}'</c> for sushy's single-quoted capture.</summary>
    public string ETagHeaderFormat { get; set; } = "{0}";

    /// <summary>PATCH without If-Match answers 428; with a stale one 412.</summary>
    public bool RequireIfMatch { get; set; }

    /// <summary>Answer this many PATCHes with 412 (the resource changes under the client) before accepting.</summary>
    public int StalePatches { get; set; }

    /// <summary>Accept a boot-override PATCH with 204 but keep the old Boot values (iDRAC 9 / Supermicro field reports).</summary>
    public bool IgnoreBootOverride { get; set; }

    /// <summary>Answer actions and PATCHes with 202 and a task monitor.</summary>
    public bool ActionsAsTasks { get; set; }

    /// <summary>With <see cref="ActionsAsTasks"/>: give the monitor only in the body (no Location header).</summary>
    public bool TaskMonitorInBodyOnly { get; set; }

    /// <summary>With <see cref="ActionsAsTasks"/>: the monitor answers 202 this many times before the result.</summary>
    public int TaskPolls { get; set; } = 2;

    /// <summary>A reset's new PowerState shows only after this many GETs of the system. -1: never.</summary>
    public int PowerLagReads { get; set; }

    /// <summary>Requests whose path contains <see cref="HoldPathContains"/> wait for this before being answered (concurrency tests).</summary>
    public TaskCompletionSource? Hold { get; set; }
    public string HoldPathContains { get; set; } = "";

    /// <summary>Answers to give instead of the normal ones, first match first, each used once.</summary>
    public ConcurrentQueue<MockupFault> Faults { get; } = new();
}

/// <summary>An injected answer: for requests whose method and path match (null matches anything), with a <c>Retry-After</c> when given.</summary>
public sealed record MockupFault(int Status, string? Body = null, string? Method = null, string? PathContains = null, int? RetryAfterSeconds = null);
