using System.Text.RegularExpressions;
using TestFarm.Core.Results;
using TestFarm.Core.Suites;
using TestFarm.Scenarios.Engine;
using TestFarm.Scenarios.Settings;

namespace TestFarm.Scenarios.Checks;

/// <summary>Settings of an <c>api-checks</c> step.</summary>
public sealed record ApiChecksSettings
{
    public required CheckSelection Selection { get; init; }
    /// <summary>Per profile name (or <c>"*"</c>), checks to skip with a reason.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<SkipRule>> Skips { get; init; } = new Dictionary<string, IReadOnlyList<SkipRule>>();
    public int Workers { get; init; } = 4;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(3);
    /// <summary>Reruns of a failed check; failed then passed is flaky.</summary>
    public int Retries { get; init; }
    /// <summary>Pause before a rerun, on the cell's clock.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(10);
    public int MinChecks { get; init; }

    public static ApiChecksSettings Read(StepSettings s)
    {
        var known = ApiCheckCatalogue.KnownTags;
        var tags = s.StringList("tags");
        var excludeTags = s.StringList("excludeTags");
        foreach (var t in tags.Concat(excludeTags).Where(t => !known.Contains(t)))
            s.Error($"unknown tag '{t}' (known: {string.Join(", ", known.Order(StringComparer.Ordinal))})");
        var skips = new Dictionary<string, IReadOnlyList<SkipRule>>(StringComparer.Ordinal);
        if (s.Map("skip") is { } skipMap)
        {
            foreach (var profile in skipMap.Keys)
            {
                var rules = new List<SkipRule>();
                foreach (var rule in skipMap.MapList(profile))
                {
                    var match = Pattern(rule, "match");
                    var reason = rule.String("reason", required: true);
                    if (match is not null && reason is not null) rules.Add(new SkipRule(match, reason));
                    s.Absorb(rule);
                }
                skips[profile] = rules;
            }
            s.Absorb(skipMap);
        }
        var settings = new ApiChecksSettings
        {
            Selection = new CheckSelection { Tags = tags, ExcludeTags = excludeTags, Include = Pattern(s, "include"), Exclude = Pattern(s, "exclude") },
            Skips = skips,
            Workers = s.Int("workers", 4, 1, 64),
            Timeout = s.Duration("timeout", TimeSpan.FromMinutes(3), TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(2)),
            Retries = s.Int("retries", 0, 0, 5),
            RetryDelay = s.Duration("retryDelay", TimeSpan.FromSeconds(10), TimeSpan.Zero, TimeSpan.FromMinutes(30)),
            MinChecks = s.Int("minChecks", 0, 0, 10_000),
        };
        var selected = settings.Selection.Apply(ApiCheckCatalogue.All).Count();
        if (s.Errors.Count == 0 && selected == 0) s.Error("the selection matches no check");
        if (s.Errors.Count == 0 && selected < settings.MinChecks) s.Error($"the selection matches {selected} checks, fewer than minChecks {settings.MinChecks}");
        return settings;
    }

    private static Regex? Pattern(StepSettings s, string key)
    {
        var text = s.String(key);
        if (text is null) return null;
        try { return new Regex(text, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
        catch (ArgumentException ex)
        {
            s.Error($"'{key}' is not a valid regular expression: {ex.Message}");
            return null;
        }
    }
}

/// <summary>
/// <c>api-checks</c> step: runs the selected checks with N workers, each under its own timeout on the cell's clock;
/// a failed check is rerun up to <c>retries</c> times (passing on a rerun makes it flaky).
/// </summary>
public sealed class ApiChecksStepExecutor : IStepExecutor
{
    public string Kind => StepKinds.ApiChecks;

    public async Task<IReadOnlyList<TestResult>> ExecuteAsync(SuiteStep step, StepRun run, CancellationToken cancellationToken)
    {
        var s = new StepSettings(step);
        var settings = ApiChecksSettings.Read(s);
        if (s.Errors.Count > 0)
            return [run.Result($"api-checks:{step.Name}", step.Name, Verdict.InfraError, run.Time.GetUtcNow(), $"{step.Source}: {string.Join("; ", s.Errors)}")];
        var checks = settings.Selection.Apply(ApiCheckCatalogue.All).ToList();
        var skipRules = (run.Cell.Profile is { } p && settings.Skips.TryGetValue(p.Name, out var forProfile) ? forProfile : [])
            .Concat(settings.Skips.TryGetValue("*", out var forAll) ? forAll : []).ToList();
        var results = new TestResult[checks.Count];
        var next = -1;
        // N workers pull from a shared index; no semaphore, so with synchronous fakes the run stays deterministic.
        async Task WorkerAsync()
        {
            for (var i = Interlocked.Increment(ref next); i < checks.Count; i = Interlocked.Increment(ref next))
                results[i] = await RunOneAsync(checks[i], i, skipRules, settings, run, cancellationToken).ConfigureAwait(false);
        }
        await Task.WhenAll(Enumerable.Range(0, Math.Min(settings.Workers, checks.Count)).Select(_ => WorkerAsync())).ConfigureAwait(false);
        return results;
    }

    private static async Task<TestResult> RunOneAsync(ApiCheck check, int index, List<SkipRule> skipRules, ApiChecksSettings settings,
        StepRun run, CancellationToken cancellationToken)
    {
        var start = run.Time.GetUtcNow();
        var id = check.Id.ToString();
        if (skipRules.FirstOrDefault(r => r.Match.IsMatch(check.Name) || r.Match.IsMatch(id)) is { } skip)
            return run.Result(id, check.Name, Verdict.Skipped, start, skip.Reason, check.Tags);
        var failures = new List<string>();
        for (var attempt = 1; attempt <= settings.Retries + 1; attempt++)
        {
            var (verdict, message) = await AttemptAsync(check, $"{index}-{attempt}-{run.Cell.RandomSeed}", settings.Timeout, run, cancellationToken).ConfigureAwait(false);
            if (verdict is Verdict.Passed or Verdict.Skipped)
            {
                var final = verdict == Verdict.Passed && failures.Count > 0 ? Verdict.Flaky : verdict;
                return run.Result(id, check.Name, final, start, final == Verdict.Flaky ? $"passed on attempt {attempt} after: {string.Join(" | ", failures)}" : message, check.Tags)
                    with { Attempts = attempt };
            }
            failures.Add(message ?? "failed");
            if (attempt <= settings.Retries && settings.RetryDelay > TimeSpan.Zero)
                await Task.Delay(settings.RetryDelay, run.Time, cancellationToken).ConfigureAwait(false);
            if (verdict == Verdict.InfraError && attempt == settings.Retries + 1)
                return run.Result(id, check.Name, Verdict.InfraError, start, message, check.Tags) with { Attempts = attempt };
        }
        return run.Result(id, check.Name, Verdict.Failed, start, string.Join(" | ", failures), check.Tags) with { Attempts = settings.Retries + 1 };
    }

    private static async Task<(Verdict, string?)> AttemptAsync(ApiCheck check, string suffix, TimeSpan timeout, StepRun run, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, run.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        try
        {
            await check.Run(new CheckContext(run, suffix, linked.Token)).WaitAsync(timeout, run.Time, linked.Token).ConfigureAwait(false);
            return (Verdict.Passed, null);
        }
        catch (CheckFailedException ex) { return (Verdict.Failed, ex.Message); }
        catch (CheckSkippedException ex) { return (Verdict.Skipped, ex.Message); }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested))
        {
            return (Verdict.Failed, $"timed out after {StepSettings.Format(timeout)}");
        }
        catch (Core.Cluster.ClusterApiException ex) { return (Verdict.InfraError, $"cluster API: {ex.Message}"); }
        catch (Exception ex) when (ex is not OperationCanceledException) { return (Verdict.Failed, $"{ex.GetType().Name}: {ex.Message}"); }
    }
}
