namespace TestFarm.Storage.Migrations;

/// <summary>
/// Server-side claim, release and machine move on PostgreSQL, so each is one round trip and one short transaction:
/// the machines are locked with <c>FOR UPDATE SKIP LOCKED</c> (claimers never wait on each other's rows), the
/// lease, its holds, the machine states and the audit events are written by the same statement; the primary key of
/// <c>holds</c> refuses any second hold of a machine. The <c>_many</c> forms carry many concurrent calls in one
/// statement (see <see cref="Sql.Batcher{TItem, TResult}"/>), so the per-statement cost is paid once per batch;
/// each call keeps its own outcome (a claim is granted whole or not at all, a release or move is refused on its
/// own). They reach every row through an index (<c>enable_seqscan = off</c>): the plans they cache are made while
/// the tables may still be small, and would otherwise scan them whole once they have grown.
/// </summary>
internal static class PostgresFunctions
{
    /// <summary>
    /// The functions, as code rather than schema: <see cref="Migrator"/> replaces them after the numbered
    /// migrations on every start, so they always match this text.
    /// </summary>
    public const string Sql = """
        CREATE OR REPLACE FUNCTION tf_claim(p_lease text, p_holder text, p_request text, p_ttl_ms bigint, p_now bigint,
            p_ids text[], p_profile text, p_count integer, OUT o_granted boolean, OUT o_ids text[])
        LANGUAGE plpgsql AS $$
        BEGIN
            -- Exactly these machines (claims by profile go through tf_claim_many; p_profile and p_count are kept for
            -- the signature): lock those still Available that no one else has locked.
            IF p_ids IS NULL THEN RAISE EXCEPTION 'tf_claim takes machine ids; claims by profile go through tf_claim_many'; END IF;
            SELECT array_agg(s.id ORDER BY s.id) INTO o_ids FROM (
                SELECT m.id FROM machines m WHERE m.id = ANY(p_ids) AND m.state = 'Available' ORDER BY m.id FOR UPDATE SKIP LOCKED) s;
            IF coalesce(array_length(o_ids, 1), 0) <> array_length(p_ids, 1) THEN o_granted := false; RETURN; END IF;
            o_ids := p_ids;
            INSERT INTO leases (id, holder, request_id, ttl_ms, granted_at, expires_at, state, machines)
                VALUES (p_lease, p_holder, p_request, p_ttl_ms, p_now, p_now + p_ttl_ms, 'Active',
                        (SELECT to_json(array_agg(u.id ORDER BY u.id))::text FROM unnest(o_ids) AS u(id)));
            INSERT INTO holds (machine_id, lease_id) SELECT u.id, p_lease FROM unnest(o_ids) AS u(id);
            UPDATE machines SET state = 'Reserved', lease_id = p_lease, updated_at = p_now WHERE id = ANY(o_ids);
            INSERT INTO events (at, kind, subject, from_state, to_state, reason, lease_id)
                SELECT p_now, 'machine', u.id, 'Available', 'Reserved', 'claimed for ' || p_request || ' by ' || p_holder, p_lease
                FROM unnest(o_ids) WITH ORDINALITY AS u(id, n) ORDER BY u.n;
            INSERT INTO events (at, kind, subject, from_state, to_state, reason, lease_id)
                VALUES (p_now, 'lease', p_lease, NULL, 'Active', 'granted to ' || p_holder || ' for ' || p_request || ': ' || array_to_string(o_ids, ','), p_lease);
            o_granted := true;
        END $$;

        -- A lone release runs tf_release_many with one call.
        DROP FUNCTION IF EXISTS tf_release(text, text, text, bigint);

        CREATE OR REPLACE FUNCTION tf_claim_many(p_leases text[], p_holders text[], p_requests text[], p_ttl_ms bigint[], p_nows bigint[],
            p_profiles text[], p_counts integer[])
        RETURNS TABLE (o_lease text, o_ids text[])
        LANGUAGE plpgsql SET enable_seqscan = off SET enable_bitmapscan = off AS $$
        DECLARE
            v_free text[];
            v_of text[];
            v_profile text;
            v_pos integer := 1;
            v_end integer;
            v_lease text[] := '{}';
            v_machine text[] := '{}';
            v_n integer[] := '{}';
        BEGIN
            -- One statement locks, for every profile of the batch, as many Available machines as the batch asks of it
            -- (skipping rows other claimers hold): v_free by profile then id, v_of their profiles. Then each profile's
            -- machines are handed out in the calls' order; a call that no longer fits whole gets none.
            SELECT coalesce(array_agg(f.id ORDER BY w.p, f.id), '{}'), coalesce(array_agg(w.p ORDER BY w.p, f.id), '{}') INTO v_free, v_of
                FROM (SELECT r.p, sum(r.c)::integer AS need FROM unnest(p_profiles, p_counts) AS r(p, c) GROUP BY r.p) w
                CROSS JOIN LATERAL (SELECT m.id FROM machines m WHERE m.state = 'Available' AND m.profile = w.p
                                    ORDER BY m.id LIMIT w.need FOR UPDATE SKIP LOCKED) f;
            WHILE v_pos <= coalesce(array_length(v_free, 1), 0) LOOP
                v_profile := v_of[v_pos];
                v_end := v_pos;
                WHILE v_end < array_length(v_free, 1) AND v_of[v_end + 1] = v_profile LOOP v_end := v_end + 1; END LOOP;
                FOR i IN 1 .. array_length(p_leases, 1) LOOP
                    CONTINUE WHEN p_profiles[i] <> v_profile OR v_pos + p_counts[i] - 1 > v_end;
                    v_lease := v_lease || array_fill(p_leases[i], ARRAY[p_counts[i]]);
                    v_machine := v_machine || v_free[v_pos : v_pos + p_counts[i] - 1];
                    v_n := v_n || array_fill(i, ARRAY[p_counts[i]]);
                    v_pos := v_pos + p_counts[i];
                END LOOP;
                v_pos := v_end + 1;
            END LOOP;
            IF array_length(v_n, 1) IS NULL THEN RETURN; END IF;
            -- One statement writes the leases, the holds, the machines and the audit (each machine's event, then each
            -- lease's, in the calls' order).
            RETURN QUERY WITH
                granted AS MATERIALIZED (SELECT u.n, array_agg(u.mid ORDER BY u.mid) AS ids FROM unnest(v_machine, v_n) AS u(mid, n) GROUP BY u.n),
                leased AS (INSERT INTO leases (id, holder, request_id, ttl_ms, granted_at, expires_at, state, machines)
                           SELECT p_leases[g.n], p_holders[g.n], p_requests[g.n], p_ttl_ms[g.n], p_nows[g.n], p_nows[g.n] + p_ttl_ms[g.n], 'Active', to_json(g.ids)::text
                           FROM granted g ORDER BY g.n RETURNING 1),
                held AS (INSERT INTO holds (machine_id, lease_id) SELECT u.m, u.l FROM unnest(v_machine, v_lease) AS u(m, l) RETURNING 1),
                moved AS (UPDATE machines m SET state = 'Reserved', lease_id = u.l, updated_at = p_nows[u.n]
                          FROM unnest(v_lease, v_machine, v_n) AS u(l, mid, n) WHERE m.id = u.mid RETURNING 1),
                audited AS (INSERT INTO events (at, kind, subject, from_state, to_state, reason, lease_id)
                    SELECT e.at, e.kind, e.subject, e.from_state, e.to_state, e.reason, e.lease_id FROM (
                        SELECT 0 AS part, u.k, p_nows[u.n] AS at, 'machine' AS kind, u.mid AS subject, 'Available' AS from_state, 'Reserved' AS to_state,
                               'claimed for ' || p_requests[u.n] || ' by ' || p_holders[u.n] AS reason, u.l AS lease_id
                        FROM unnest(v_lease, v_machine, v_n) WITH ORDINALITY AS u(l, mid, n, k)
                        UNION ALL
                        SELECT 1, g.n, p_nows[g.n], 'lease', p_leases[g.n], NULL, 'Active',
                               'granted to ' || p_holders[g.n] || ' for ' || p_requests[g.n] || ': ' || array_to_string(g.ids, ','), p_leases[g.n]
                        FROM granted g) e
                    ORDER BY e.part, e.k RETURNING 1)
            SELECT p_leases[g.n], g.ids FROM granted g ORDER BY g.n;
        END $$;

        CREATE OR REPLACE FUNCTION tf_release_many(p_leases text[], p_holders text[], p_reasons text[], p_nows bigint[])
        RETURNS TABLE (o_status text, o_holder text, o_request text, o_ttl_ms bigint, o_granted_at bigint, o_expires_at bigint,
            o_state text, o_ended_at bigint, o_end_reason text, o_machines text[])
        LANGUAGE plpgsql SET enable_seqscan = off AS $$
        DECLARE
            v_ok text[];
            v_ids text[];
        BEGIN
            -- Lock the leases (in id order); end those whose holder asked while they were Active: the machines they
            -- still hold to Cleaning, their holds deleted, the leases Released, all audited (each machine's event,
            -- then each lease's, in the calls' order); answer every call from what its lease was before.
            WITH locked AS MATERIALIZED (SELECT l.id, l.holder, l.state, l.machines FROM leases l WHERE l.id = ANY(p_leases) ORDER BY l.id FOR UPDATE),
                 ok AS MATERIALIZED (SELECT l.id, l.machines FROM locked l WHERE l.state = 'Active' AND l.holder = p_holders[array_position(p_leases, l.id)])
            SELECT (SELECT array_agg(ok.id) FROM ok), (SELECT array_agg(m.id) FROM ok, json_array_elements_text(ok.machines::json) AS m(id))
                INTO v_ok, v_ids;
            -- One statement ends the leases and answers every call: its SELECT sees the leases as they were before
            -- (all parts of a statement read one snapshot).
            RETURN QUERY WITH
                held AS (SELECT m.id, m.state, m.lease_id FROM machines m WHERE m.id = ANY(v_ids) AND m.lease_id = ANY(v_ok) ORDER BY m.id FOR UPDATE),
                moved AS (UPDATE machines m SET state = 'Cleaning', lease_id = NULL, updated_at = p_nows[array_position(p_leases, held.lease_id)]
                          FROM held WHERE m.id = held.id RETURNING m.id, held.state AS old_state, held.lease_id AS lease),
                dropped AS (DELETE FROM holds h WHERE h.machine_id = ANY(v_ids) AND h.lease_id = ANY(v_ok) RETURNING 1),
                ended AS (UPDATE leases l SET state = 'Released', ended_at = p_nows[array_position(p_leases, l.id)], end_reason = p_reasons[array_position(p_leases, l.id)]
                          WHERE l.id = ANY(v_ok) RETURNING l.id),
                audited AS (INSERT INTO events (at, kind, subject, from_state, to_state, reason, lease_id)
                    SELECT e.at, e.kind, e.subject, e.from_state, e.to_state, e.reason, e.lease_id FROM (
                        SELECT 0 AS part, k, moved.id AS sub, p_nows[k] AS at, 'machine' AS kind, moved.id AS subject, moved.old_state AS from_state,
                               'Cleaning' AS to_state, 'lease ' || moved.lease || ' released: ' || p_reasons[k] AS reason, moved.lease AS lease_id
                        FROM moved, array_position(p_leases, moved.lease) AS k
                        UNION ALL
                        SELECT 1, k, ended.id, p_nows[k], 'lease', ended.id, 'Active', 'Released', p_reasons[k], ended.id
                        FROM ended, array_position(p_leases, ended.id) AS k) e
                    ORDER BY e.part, e.k, e.sub RETURNING 1)
            SELECT CASE WHEN l.id IS NULL THEN 'missing' WHEN l.holder = r.holder AND l.state = 'Active' THEN 'ok' ELSE 'refused' END,
                    l.holder, l.request_id, l.ttl_ms, l.granted_at, l.expires_at, l.state, l.ended_at, l.end_reason,
                    ARRAY(SELECT json_array_elements_text(l.machines::json))
                FROM unnest(p_leases, p_holders) WITH ORDINALITY AS r(lease, holder, n)
                LEFT JOIN LATERAL (SELECT * FROM leases WHERE leases.id = r.lease) l ON true ORDER BY r.n;
        END $$;

        CREATE OR REPLACE FUNCTION tf_move_many(p_ids text[], p_tos text[], p_reasons text[], p_allowed text[], p_keeps boolean[], p_nows bigint[])
        RETURNS TABLE (id text, profile text, l2_domain text, state text, lease_id text, updated_at bigint, moved bigint)
        LANGUAGE plpgsql SET enable_seqscan = off AS $$
        BEGIN
            -- Each machine (distinct ids) moves only from a state in its own allowed list (comma-separated), loses
            -- its hold when it leaves the held states, and is audited; one row per call as the machine was before,
            -- empty for an unknown machine.
            RETURN QUERY WITH
                cur AS MATERIALIZED (SELECT m.id, m.profile, m.l2_domain, m.state, m.lease_id, m.updated_at FROM machines m
                                     WHERE m.id = ANY(p_ids) ORDER BY m.id FOR UPDATE),
                upd AS (UPDATE machines m SET state = p_tos[k], lease_id = CASE WHEN p_keeps[k] THEN cur.lease_id END, updated_at = p_nows[k]
                        FROM cur, array_position(p_ids, cur.id) AS k
                        WHERE m.id = cur.id AND cur.state = ANY(string_to_array(p_allowed[k], ','))
                        RETURNING m.id, cur.state AS old_state, cur.lease_id AS old_lease, k),
                dropped AS (DELETE FROM holds h
                            WHERE h.machine_id = ANY(ARRAY(SELECT upd.id FROM upd WHERE upd.old_lease IS NOT NULL AND NOT p_keeps[upd.k]))
                            RETURNING 1),
                ev AS (INSERT INTO events (at, kind, subject, from_state, to_state, reason, lease_id)
                       SELECT p_nows[upd.k], 'machine', upd.id, upd.old_state, p_tos[upd.k], p_reasons[upd.k], upd.old_lease FROM upd ORDER BY upd.k RETURNING 1)
            SELECT cur.id, cur.profile, cur.l2_domain, cur.state, cur.lease_id, coalesce(cur.updated_at, 0),
                   CASE WHEN upd.id IS NULL THEN 0 ELSE 1 END::bigint
            FROM unnest(p_ids) WITH ORDINALITY AS r(id, n) LEFT JOIN cur ON cur.id = r.id LEFT JOIN upd ON upd.id = r.id ORDER BY r.n;
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
