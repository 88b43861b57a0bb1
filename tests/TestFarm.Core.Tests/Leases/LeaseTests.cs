using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Testing;

namespace TestFarm.Core.Tests.Leases;

public sealed class LeaseTests
{
    private readonly FakeTimeProvider _time = new();

    private Lease NewLease() => new()
    {
        Id = "l1", Holder = "farm-a", RequestId = "r1", Machines = ["m1"], Ttl = TimeSpan.FromMinutes(5),
        GrantedAt = _time.GetUtcNow(), ExpiresAt = _time.GetUtcNow() + TimeSpan.FromMinutes(5),
    };

    [Test]
    public void A_heartbeat_by_the_holder_pushes_expiry_one_ttl_ahead()
    {
        var lease = NewLease();
        _time.Advance(TimeSpan.FromMinutes(4));
        var beat = lease.Heartbeat("farm-a", _time.GetUtcNow());
        Assert.That(beat.ExpiresAt, Is.EqualTo(_time.GetUtcNow() + TimeSpan.FromMinutes(5)));
        Assert.That(beat.IsExpired(_time.GetUtcNow() + TimeSpan.FromMinutes(4)), Is.False);
    }

    [Test]
    public void Hold_until_keeps_the_lease_to_the_given_end_never_shortens_it_and_refuses_like_a_heartbeat()
    {
        var lease = NewLease();
        var end = _time.GetUtcNow() + TimeSpan.FromHours(2);
        var held = lease.HoldUntil("farm-a", _time.GetUtcNow(), end);
        Assert.That(held.ExpiresAt, Is.EqualTo(end));
        Assert.That(held.IsExpired(end - TimeSpan.FromSeconds(1)), Is.False, "alive past many TTLs without a beat");
        Assert.That(held.IsExpired(end), Is.True);
        Assert.That(held.HoldUntil("farm-a", _time.GetUtcNow(), end - TimeSpan.FromHours(1)).ExpiresAt, Is.EqualTo(end), "an earlier end does not shorten it");
        Assert.That(lease.HoldUntil("farm-a", _time.GetUtcNow(), _time.GetUtcNow()).ExpiresAt, Is.EqualTo(_time.GetUtcNow() + lease.Ttl), "at least one TTL, as a heartbeat");
        Assert.That(Assert.Throws<LeaseRefusedException>(() => held.HoldUntil("farm-b", _time.GetUtcNow(), end))!.Reason, Is.EqualTo(LeaseRefusal.Foreign));
        Assert.That(Assert.Throws<LeaseRefusedException>(() => held.HoldUntil("farm-a", end, end + TimeSpan.FromHours(1)))!.Reason, Is.EqualTo(LeaseRefusal.Expired));
    }

    [Test]
    public void Foreign_expired_and_ended_leases_refuse_heartbeats_with_the_reason()
    {
        var lease = NewLease();
        Assert.That(Assert.Throws<LeaseRefusedException>(() => lease.Heartbeat("farm-b", _time.GetUtcNow()))!.Reason, Is.EqualTo(LeaseRefusal.Foreign));
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.That(Assert.Throws<LeaseRefusedException>(() => lease.Heartbeat("farm-a", _time.GetUtcNow()))!.Reason, Is.EqualTo(LeaseRefusal.Expired));
        var reaped = lease.Reap(_time.GetUtcNow());
        Assert.That(reaped.State, Is.EqualTo(LeaseState.Reaped));
        Assert.That(Assert.Throws<LeaseRefusedException>(() => reaped.Heartbeat("farm-a", _time.GetUtcNow()))!.Reason, Is.EqualTo(LeaseRefusal.Ended));
        Assert.Throws<LeaseRefusedException>(() => reaped.Release("farm-a", _time.GetUtcNow(), "late"));
    }

    [Test]
    public void Only_expired_active_leases_can_be_reaped_and_end_states_are_final()
    {
        var lease = NewLease();
        Assert.Throws<IllegalTransitionException>(() => lease.Reap(_time.GetUtcNow()));
        var released = lease.Release("farm-a", _time.GetUtcNow(), "done");
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Throws<IllegalTransitionException>(() => released.Reap(_time.GetUtcNow()));
        Assert.That(released.State, Is.EqualTo(LeaseState.Released));
    }
}
