using Npgsql;
using TestFarm.Storage.Sql;

namespace TestFarm.Storage.Tests;

/// <summary>The batcher's own rules, with stand-in runners: who shares a batch, and what each caller gets back.</summary>
public sealed class BatcherTests
{
    private sealed class Runners
    {
        public List<IReadOnlyList<string>> Batches { get; } = [];
        public List<string> Alone { get; } = [];
        public Func<IReadOnlyList<string>, Exception?> FailBatch { get; set; } = _ => null;

        public Task<IReadOnlyList<string>> RunBatch(IReadOnlyList<string> items)
        {
            lock (Batches) Batches.Add(items);
            if (FailBatch(items) is { } e) throw e;
            return Task.FromResult<IReadOnlyList<string>>([.. items.Select(i => "batch:" + i)]);
        }

        public Task<string> RunOne(string item, CancellationToken ct)
        {
            lock (Alone) Alone.Add(item);
            return item.StartsWith("bad", StringComparison.Ordinal)
                ? Task.FromException<string>(new InvalidOperationException("refused " + item))
                : Task.FromResult("alone:" + item);
        }
    }

    /// <summary>Runs <paramref name="first"/> while the gate is shut, queues the rest behind it, then opens the gate.</summary>
    private static async Task<List<Task<string>>> PileUpAsync(Batcher<string, string> batcher, string first, params string[] rest)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        batcher.Gate = () => { entered.TrySetResult(); return gate.Task; };
        var calls = new List<Task<string>> { batcher.RunAsync(first, CancellationToken.None) };
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        calls.AddRange(rest.Select(r => batcher.RunAsync(r, CancellationToken.None)));
        gate.SetResult();
        await Task.WhenAll(calls.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(TimeSpan.FromSeconds(10));
        return calls;
    }

    private static Batcher<string, string> New(Runners r, Func<Exception, bool>? refused = null) =>
        new(r.RunBatch, r.RunOne, key: i => i.Split('#')[0], refused ?? (e => e is PostgresException), maxBatch: 3);

    [Test]
    public async Task A_lone_call_takes_the_one_call_path_and_calls_that_wait_go_together_in_order()
    {
        var r = new Runners();
        var calls = await PileUpAsync(New(r), "a", "b", "c", "d", "e");

        Assert.That(calls.Select(c => c.Result), Is.EqualTo(new[] { "alone:a", "batch:b", "batch:c", "batch:d", "alone:e" }));
        Assert.That(r.Alone, Is.EqualTo(new[] { "a", "e" }));
        Assert.That(r.Batches.Select(b => string.Join(",", b)), Is.EqualTo(new[] { "b,c,d" }), "at most maxBatch, oldest first; e runs after, alone");
    }

    [Test]
    public async Task Calls_with_one_key_never_share_a_batch()
    {
        var r = new Runners();
        var calls = await PileUpAsync(New(r), "x", "m#1", "n", "m#2", "o");

        Assert.That(calls.Select(c => c.Result), Is.EqualTo(new[] { "alone:x", "batch:m#1", "batch:n", "alone:m#2", "batch:o" }));
        Assert.That(r.Batches[0], Is.EqualTo(new[] { "m#1", "n", "o" }), "the second m waits for the next batch");
    }

    [Test]
    public async Task A_batch_the_database_refused_runs_each_call_alone_so_each_caller_gets_its_own_answer()
    {
        var r = new Runners { FailBatch = items => items.Contains("bad") ? new PostgresException("deadlock detected", "ERROR", "ERROR", "40P01") : null };
        var calls = await PileUpAsync(New(r), "a", "b", "bad", "c");

        Assert.That(calls[1].Result, Is.EqualTo("alone:b"));
        Assert.That(calls[2].Exception!.InnerException!.Message, Is.EqualTo("refused bad"));
        Assert.That(calls[3].Result, Is.EqualTo("alone:c"));
        Assert.That(r.Alone, Is.EqualTo(new[] { "a", "b", "bad", "c" }));
    }

    [Test]
    public async Task A_batch_that_may_have_applied_is_reported_to_every_caller_and_never_repeated()
    {
        var lost = new IOException("connection lost while reading the reply");
        var r = new Runners { FailBatch = _ => lost };
        var calls = await PileUpAsync(New(r), "a", "b", "c");

        Assert.That(calls[1].Exception!.InnerException, Is.SameAs(lost));
        Assert.That(calls[2].Exception!.InnerException, Is.SameAs(lost));
        Assert.That(r.Alone, Is.EqualTo(new[] { "a" }), "nothing of the failed batch was run again");
    }

    [Test]
    public async Task A_call_cancelled_while_it_waits_is_not_run()
    {
        var r = new Runners();
        var batcher = New(r);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        batcher.Gate = () => { entered.TrySetResult(); return gate.Task; };
        var first = batcher.RunAsync("a", CancellationToken.None);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        using var cts = new CancellationTokenSource();
        var cancelled = batcher.RunAsync("b", cts.Token);
        var kept = batcher.RunAsync("c", CancellationToken.None);
        await cts.CancelAsync();
        gate.SetResult();

        Assert.That(await first.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo("alone:a"));
        Assert.That(await kept.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo("alone:c"));
        Assert.That(async () => await cancelled, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(r.Alone.Concat(r.Batches.SelectMany(b => b)), Does.Not.Contain("b"));
        Assert.That(batcher.Counts, Is.EqualTo((2L, 2L)));
    }
}
