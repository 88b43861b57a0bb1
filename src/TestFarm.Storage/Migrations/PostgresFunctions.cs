namespace TestFarm.Storage.Migrations;

/// <summary>
/// Server-side claim and release on PostgreSQL, so each is one round trip and one short transaction: the
/// machines are locked with <c>FOR UPDATE SKIP LOCKED</c> (claimers never wait on each other's rows), the lease,
/// its holds, the machine states and the audit events are written by the same statement. The primary key of
/// <c>holds</c> still refuses any second hold of a machine. (Migration 6 replaced these functions: see
/// <see cref="HoldsMigration"/>.)
/// </summary>
internal static class PostgresFunctions
{
    public const string Sql = """
        CREATE FUNCTION tf_claim(p_lease text, p_holder text, p_request text, p_ttl_ms bigint, p_now bigint,
            p_ids text[], p_profile text, p_count integer, OUT o_granted boolean, OUT o_ids text[])
        LANGUAGE plpgsql AS $$
        BEGIN
            IF p_ids IS NOT NULL THEN
                -- Exactly these machines: lock those still Available that no one else has locked.
                SELECT array_agg(s.id ORDER BY s.id) INTO o_ids FROM (
                    SELECT m.id FROM machines m WHERE m.id = ANY(p_ids) AND m.state = 'Available' ORDER BY m.id FOR UPDATE SKIP LOCKED) s;
                IF coalesce(array_length(o_ids, 1), 0) <> array_length(p_ids, 1) THEN o_granted := false; RETURN; END IF;
                o_ids := p_ids;
            ELSE
                -- The first p_count Available machines of the profile by id, as the chooser would take them (the caller
                -- checked that any such gang fits), skipping rows other claimers hold locked.
                SELECT array_agg(s.id ORDER BY s.id) INTO o_ids FROM (
                    SELECT m.id FROM machines m WHERE m.state = 'Available' AND m.profile = p_profile ORDER BY m.id LIMIT p_count FOR UPDATE SKIP LOCKED) s;
                IF coalesce(array_length(o_ids, 1), 0) < p_count THEN o_granted := false; RETURN; END IF;
            END IF;
            INSERT INTO leases (id, holder, request_id, ttl_ms, granted_at, expires_at, state)
                VALUES (p_lease, p_holder, p_request, p_ttl_ms, p_now, p_now + p_ttl_ms, 'Active');
            INSERT INTO lease_machines (lease_id, machine_id, active) SELECT p_lease, u.id, 1 FROM unnest(o_ids) AS u(id);
            UPDATE machines SET state = 'Reserved', lease_id = p_lease, updated_at = p_now WHERE id = ANY(o_ids);
            INSERT INTO events (at, kind, subject, from_state, to_state, reason, lease_id)
                SELECT p_now, 'machine', u.id, 'Available', 'Reserved', 'claimed for ' || p_request || ' by ' || p_holder, p_lease
                FROM unnest(o_ids) WITH ORDINALITY AS u(id, n) ORDER BY u.n;
            INSERT INTO events (at, kind, subject, from_state, to_state, reason, lease_id)
                VALUES (p_now, 'lease', p_lease, NULL, 'Active', 'granted to ' || p_holder || ' for ' || p_request || ': ' || array_to_string(o_ids, ','), p_lease);
            o_granted := true;
        END $$;

        CREATE FUNCTION tf_release(p_lease text, p_holder text, p_reason text, p_now bigint,
            OUT o_status text, OUT o_holder text, OUT o_request text, OUT o_ttl_ms bigint, OUT o_granted_at bigint,
            OUT o_expires_at bigint, OUT o_state text, OUT o_ended_at bigint, OUT o_end_reason text, OUT o_machines text[])
        LANGUAGE plpgsql AS $$
        DECLARE v_reason text;
        BEGIN
            SELECT l.holder, l.request_id, l.ttl_ms, l.granted_at, l.expires_at, l.state, l.ended_at, l.end_reason
                INTO o_holder, o_request, o_ttl_ms, o_granted_at, o_expires_at, o_state, o_ended_at, o_end_reason
                FROM leases l WHERE l.id = p_lease FOR UPDATE;
            IF NOT FOUND THEN o_status := 'missing'; RETURN; END IF;
            SELECT array_agg(lm.machine_id ORDER BY lm.machine_id) INTO o_machines FROM lease_machines lm WHERE lm.lease_id = p_lease;
            IF o_holder <> p_holder OR o_state <> 'Active' THEN o_status := 'refused'; RETURN; END IF;
            v_reason := 'lease ' || p_lease || ' released: ' || p_reason;
            WITH held AS (SELECT m.id, m.state FROM machines m WHERE m.lease_id = p_lease ORDER BY m.id FOR UPDATE),
                 moved AS (UPDATE machines m SET state = 'Cleaning', lease_id = NULL, updated_at = p_now FROM held
                           WHERE m.id = held.id RETURNING m.id, held.state AS old_state)
            INSERT INTO events (at, kind, subject, from_state, to_state, reason, lease_id)
                SELECT p_now, 'machine', moved.id, moved.old_state, 'Cleaning', v_reason, p_lease FROM moved ORDER BY moved.id;
            UPDATE lease_machines SET active = 0 WHERE lease_id = p_lease;
            UPDATE leases SET state = 'Released', ended_at = p_now, end_reason = p_reason WHERE id = p_lease;
            INSERT INTO events (at, kind, subject, from_state, to_state, reason, lease_id)
                VALUES (p_now, 'lease', p_lease, 'Active', 'Released', p_reason, p_lease);
            o_state := 'Released'; o_ended_at := p_now; o_end_reason := p_reason; o_status := 'ok';
        END $$;
        """;

    /// <summary>
    /// One machine's move in one statement: lock the row, move it only from a state in @allowed, drop its hold when
    /// it leaves the held states, audit it; returns the row as it was and whether it moved.
    /// </summary>
    public const string Transition = """
        WITH cur AS (SELECT id, profile, l2_domain, state, lease_id, updated_at FROM machines WHERE id = @machineId FOR UPDATE),
             upd AS (UPDATE machines m SET state = @to, lease_id = CASE WHEN @keepLease THEN cur.lease_id END, updated_at = @now
                     FROM cur WHERE m.id = cur.id AND cur.state = ANY(@allowed) RETURNING m.id, cur.state AS old_state, cur.lease_id AS old_lease),
             hold AS (DELETE FROM holds WHERE machine_id = @machineId AND NOT @keepLease
                      AND EXISTS (SELECT 1 FROM upd WHERE upd.old_lease IS NOT NULL) RETURNING 1),
             ev AS (INSERT INTO events (at, kind, subject, from_state, to_state, reason, lease_id)
                    SELECT @now, 'machine', upd.id, upd.old_state, @to, @reason, upd.old_lease FROM upd RETURNING 1)
        SELECT cur.id, cur.profile, cur.l2_domain, cur.state, cur.lease_id, cur.updated_at, (SELECT COUNT(*) FROM ev) AS moved FROM cur
        """;
}
