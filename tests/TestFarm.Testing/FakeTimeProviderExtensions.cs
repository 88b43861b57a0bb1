using System.Diagnostics;

namespace TestFarm.Testing;

/// <summary>
/// What the tests add to the package's <see cref="FakeTimeProvider"/>: driving a task to its end by stepping fake time,
/// and letting the thread pool take up queued work between steps.
/// </summary>
public static class FakeTimeProviderExtensions
{
    /// <summary>The start of the tests' clock where a test needs a fixed date: 2026-01-01T00:00Z.</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    extension(FakeTimeProvider time)
    {
        /// <summary>
        /// Moves time on by <paramref name="step"/> until <paramref name="task"/> ends. Continuations may hop to the thread
        /// pool, so between steps this lets all work queued so far run first (see <c>LetQueuedWorkRunAsync</c>), and it is
        /// bounded by real time (default 20 s), not by a count of steps. With <paramref name="fakeLimit"/> time stops there
        /// and the task is awaited as it is: for tests whose outcome must not depend on how far the clock ran ahead of the
        /// thread pool (e.g. a grace period that fake time could overrun).
        /// </summary>
        public async Task<T> DriveAsync<T>(Task<T> task, TimeSpan step, TimeSpan? realLimit = null, TimeSpan? fakeLimit = null)
        {
            var watch = Stopwatch.StartNew();
            var stopAt = fakeLimit is { } limit ? time.GetUtcNow() + limit : DateTimeOffset.MaxValue;
            while (!task.IsCompleted && watch.Elapsed < (realLimit ?? TimeSpan.FromSeconds(20)) && time.GetUtcNow() + step <= stopAt)
            {
                time.Advance(step);
                // Let what the step woke run before time moves again (a bounded number of rounds: work that keeps
                // queueing more, e.g. a poll loop, must not stop the clock).
                for (var i = 0; i < 100 && !task.IsCompleted; i++)
                {
                    await FakeTimeProvider.LetQueuedWorkRunAsync();
                    if (ThreadPool.PendingWorkItemCount == 0) break;
                }
            }
            return await task.WaitAsync(TimeSpan.FromSeconds(5));
        }

        /// <summary>
        /// Resumes only after the thread pool has taken up the work queued before it. <c>Task.Yield</c> is not enough: a
        /// worker takes its own newest item first, so a loop that yields can run again and again (moving fake time on by
        /// minutes) while the continuations it woke wait in the queue.
        /// </summary>
        public static Task LetQueuedWorkRunAsync()
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            ThreadPool.UnsafeQueueUserWorkItem(static d => d.SetResult(), done, preferLocal: false);
            return done.Task;
        }
    }
}
