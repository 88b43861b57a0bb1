using TestFarm.Core.HandsOn;
using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Core.Scheduling;

namespace TestFarm.Core.Tests.HandsOn;

public sealed class HandsOnReservationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);

    private static HandsOnReservation Asked() => new()
    {
        Id = "r1", Owner = "alice", Reason = "why", Profile = "x86", Count = 2, Duration = TimeSpan.FromHours(1), CreatedAt = T0,
        RequestId = HandsOnReservation.RequestIdOf("r1"),
    };

    [Test]
    public void The_life_of_a_reservation_moves_only_forward_and_its_clock_starts_at_ready()
    {
        var ready = Asked().Provisioning("lease-1", ["m1", "m2"]).Ready(T0.AddMinutes(10));
        Assert.That(ready.ExpiresAt, Is.EqualTo(T0.AddMinutes(70)));
        Assert.That(ready.TimeLeft(T0.AddMinutes(60)), Is.EqualTo(TimeSpan.FromMinutes(10)));
        Assert.That(ready.Warning(T0.AddMinutes(54), TimeSpan.FromMinutes(15)), Is.False);
        Assert.That(ready.Warning(T0.AddMinutes(55), TimeSpan.FromMinutes(15)), Is.True);
        Assert.That(ready.IsExpired(T0.AddMinutes(70)), Is.True);
        var extended = ready.Extend(TimeSpan.FromMinutes(30));
        Assert.That((extended.ExpiresAt, extended.Duration), Is.EqualTo((T0.AddMinutes(100), TimeSpan.FromMinutes(90))));
        var ended = extended.Releasing("released by alice").End(T0.AddMinutes(80));
        Assert.That((ended.State, ended.EndReason, ended.TimeLeft(T0)), Is.EqualTo((HandsOnState.Ended, "released by alice", (TimeSpan?)null)));

        Assert.That(() => Asked().Ready(T0), Throws.InstanceOf<InvalidOperationException>(), "Ready needs a lease");
        Assert.That(() => Asked().Releasing("x"), Throws.InstanceOf<IllegalTransitionException>(), "nothing held: a queued one ends, it is not released");
        Assert.That(() => Asked().Extend(TimeSpan.FromMinutes(1)), Throws.InstanceOf<IllegalTransitionException>());
        Assert.That(() => ended.Provisioning("l", []), Throws.InstanceOf<IllegalTransitionException>().With.Message.Contains("Ended -> Provisioning"));
        Assert.That(() => ready.Extend(TimeSpan.Zero), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(Asked().End(T0, "released before granted").State, Is.EqualTo(HandsOnState.Ended));
        Assert.That(HandsOnReservation.IsHandsOnRequest(Asked().RequestId), Is.True);
        Assert.That(HandsOnReservation.IsHandsOnRequest("run-1/cell"), Is.False);
    }

    [Test]
    public void Every_bad_field_is_named_and_good_asks_get_defaults()
    {
        var pool = new Dictionary<string, int> { ["x86"] = 2 };
        var policy = new HandsOnPolicy();
        var ok = HandsOnAskValidator.Check(new HandsOnAsk { Profile = "x86", Reason = "r" }, policy, pool, null, admin: false);
        Assert.That((ok.Count, ok.Duration, ok.Errors.Count), Is.EqualTo((1, TimeSpan.FromHours(2), 0)));
        var like = HandsOnAskValidator.Check(new HandsOnAsk { LikeCell = "run-1/c", Reason = "r" }, policy, pool, new CellLikeness("x86", 2, "b-7", ["m1", "m2"]), admin: false);
        Assert.That((like.Profile, like.Count, like.Build, like.Errors.Count), Is.EqualTo(("x86", 2, "b-7", 0)));

        string[] Fields(HandsOnAsk ask, bool admin = false) => [.. HandsOnAskValidator.Check(ask, policy, pool, null, admin).Errors.Select(e => e.Field)];
        Assert.That(Fields(new HandsOnAsk { Profile = "arm", Reason = "r" }), Is.EqualTo(new[] { "profile" }));
        Assert.That(Fields(new HandsOnAsk { Profile = "x86", Count = 3, Reason = "r" }), Is.EqualTo(new[] { "count" }));
        Assert.That(Fields(new HandsOnAsk { Profile = "x86", Duration = "9h", Reason = "r" }), Is.EqualTo(new[] { "duration" }));
        Assert.That(Fields(new HandsOnAsk { Profile = "x86", Duration = "9h", Reason = "r" }, admin: true), Is.Empty, "an admin may go past the cap");
        Assert.That(Fields(new HandsOnAsk { Profile = "x86", Duration = "00:00:10", Reason = "r" }), Is.EqualTo(new[] { "duration" }));
        Assert.That(Fields(new HandsOnAsk { Profile = "x86", Duration = "-1:00:00", Reason = "r" }), Is.EqualTo(new[] { "duration" }));
        Assert.That(Fields(new HandsOnAsk { Profile = "x86", Reason = new string('r', 501) }), Is.EqualTo(new[] { "reason" }));
        Assert.That(Fields(new HandsOnAsk { Profile = "x86", Build = new string('b', 201), Reason = "r" }), Is.EqualTo(new[] { "build" }));
        Assert.That(Fields(new HandsOnAsk { LikeCell = "run-1/c", Reason = " " }), Is.EqualTo(new[] { "likeCell", "reason" }));

        Assert.That(HandsOnAskValidator.TryParseDuration("90m", out var d) ? d : default, Is.EqualTo(TimeSpan.FromMinutes(90)));
        Assert.That(HandsOnAskValidator.TryParseDuration("1.5h", out d) ? d : default, Is.EqualTo(TimeSpan.FromMinutes(90)));
        Assert.That(HandsOnAskValidator.TryParseDuration("2", out _), Is.False, "a bare number says no unit");
        var (_, capped) = HandsOnAskValidator.CheckExtension("01:00:00", TimeSpan.FromHours(7.5), policy, admin: false);
        Assert.That(capped!.Message, Does.Contain("would last 08:30:00, over the policy cap 08:00:00"));
        Assert.That(HandsOnAskValidator.CheckExtension("01:00:00", TimeSpan.FromHours(7.5), policy, admin: true).Error, Is.Null);
    }

    [Test]
    public void Interactive_passes_a_fresh_nightly_not_a_fresh_pull_request_and_a_nightly_passes_it_after_three_hours_more_waiting()
    {
        var scheduler = new FarmScheduler(new GangChooser(new Dictionary<string, Hardware.HardwareProfile>()), new PolicyOptions(), new HistoryDurationEstimator(TimeSpan.FromHours(1)));
        ReservationRequest R(PriorityClass p, DateTimeOffset at) => new()
        {
            Id = p.ToString(), Plan = "p", Priority = p, SubmittedAt = at, Topology = new Topology { Name = "t", Roles = [new TopologyRole { Name = "n", Count = 1 }] },
        };
        var none = new Dictionary<string, int>();
        double Score(PriorityClass p, DateTimeOffset at) => scheduler.Score(R(p, at), T0, none, 10);
        Assert.That(Score(PriorityClass.Interactive, T0), Is.GreaterThan(Score(PriorityClass.Nightly, T0)));
        Assert.That(Score(PriorityClass.Interactive, T0), Is.LessThan(Score(PriorityClass.PullRequest, T0)));
        Assert.That(Score(PriorityClass.Nightly, T0.AddHours(-2.9)), Is.LessThan(Score(PriorityClass.Interactive, T0)));
        Assert.That(Score(PriorityClass.Nightly, T0.AddHours(-3.1)), Is.GreaterThan(Score(PriorityClass.Interactive, T0)));
        Assert.That(Score(PriorityClass.Interactive, T0.AddHours(-6.1)), Is.GreaterThan(Score(PriorityClass.PullRequest, T0)), "a person waiting 6 h passes a fresh pull request");
    }
}
