using TestFarm.Testing;

namespace TestFarm.Core.Tests;

/// <summary>What the tests rely on of the package's fake clock, and the helpers TestFarm.Testing adds to it.</summary>
public sealed class FakeTimeProviderTests
{
    [Test]
    public async Task A_delay_completes_only_when_time_is_advanced_past_it()
    {
        var time = new FakeTimeProvider(FakeTimeProviderExtensions.Start);
        var delay = Task.Delay(TimeSpan.FromMinutes(5), time);
        time.Advance(TimeSpan.FromMinutes(4));
        Assert.That(delay.IsCompleted, Is.False);
        time.Advance(TimeSpan.FromMinutes(1));
        await delay;
        Assert.That(time.GetUtcNow(), Is.EqualTo(new DateTimeOffset(2026, 1, 1, 0, 5, 0, TimeSpan.Zero)));
    }

    [Test]
    public void A_periodic_timer_fires_once_per_period_passed()
    {
        var time = new FakeTimeProvider();
        var fired = 0;
        using var timer = time.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(35));
        Assert.That(fired, Is.EqualTo(3));
    }

    [Test]
    public async Task DriveAsync_steps_time_until_a_task_that_waits_on_it_ends()
    {
        var time = new FakeTimeProvider(FakeTimeProviderExtensions.Start);
        async Task<DateTimeOffset> WaitThreeTimes()
        {
            for (var i = 0; i < 3; i++) await Task.Delay(TimeSpan.FromMinutes(1), time);
            return time.GetUtcNow();
        }

        var ended = await time.DriveAsync(WaitThreeTimes(), TimeSpan.FromSeconds(30));

        Assert.That(ended - FakeTimeProviderExtensions.Start, Is.GreaterThanOrEqualTo(TimeSpan.FromMinutes(3)).And.LessThanOrEqualTo(TimeSpan.FromMinutes(4)));
    }
}
