namespace TestFarm.Storage.Migrations;

/// <summary>
/// Set-based forms of claim, release and machine move on PostgreSQL: one statement (one transaction) carries many
/// concurrent calls, so the per-statement cost is paid once per batch instead of once per call. Each call keeps its
/// own outcome: a claim is granted whole or not at all, a release or move is refused on its own. The machines table
/// is kept friendly to in-place (HOT) updates: room on each page and no index on the columns a move changes; lease
/// rows are found by key only (an index on their state fills with entries of ended leases). The functions reach
/// every row through an index (<c>enable_seqscan = off</c> for their statements): the plans they cache are made
/// while the tables may still be small, and would otherwise scan them whole once they have grown. The links of
/// <c>lease_machines</c> are written only by these functions, in the transaction that locks the machines and writes
/// the lease, so their foreign keys are dropped to spare two lookups per link; the unique active-hold index stays.
/// </summary>
internal static class PostgresBatchStatements
{
    /// <summary>Migration 3: the batch claim, release and move functions and the tables' indexes and storage.</summary>
    public const string Migration = """
        ALTER TABLE machines SET (fillfactor = 50);
        DROP INDEX ix_machines_state;
        CREATE INDEX ix_machines_profile ON machines (profile);
        DROP INDEX ix_leases_active;
        CREATE INDEX ix_leases_expiring ON leases (expires_at) WHERE state = 'Active';
        ALTER TABLE lease_machines DROP CONSTRAINT lease_machines_lease_id_fkey, DROP CONSTRAINT lease_machines_machine_id_fkey;

        CREATE FUNCTION tf_claim_many(p_leases text[], p_holders text[], p_requests text[], p_ttl_ms bigint[], p_nows bigint[],
            p_profiles text[], p_counts integer[])
        RETURNS TABLE (o_lease text, o_ids text[])
        LANGUAGE plpgsql SET enable_seqscan = off AS $$
        DECLARE
            v_profile text;
            v_need integer;
            v_free text[];
            v_pos integer;
            v_lease text[] := '{}';
            v_machine text[] := '{}';
            v_n integer[] := '{}';
        BEGIN
            -- Per profile: lock as many Available machines as the batch asks for (skipping rows other claimers hold),
            -- then hand them out in the calls' order; a call that no longer fits whole gets none.
            FOREACH v_profile IN ARRAY (SELECT array_agg(DISTINCT p) FROM unnest(p_profiles) AS p) LOOP
                SELECT sum(c) INTO v_need FROM unnest(p_profiles, p_counts) AS r(p, c) WHERE r.p = v_profile;
                SELECT coalesce(array_agg(s.id ORDER BY s.id), '{}') INTO v_free FROM (
                    SELECT m.id FROM machines m WHERE m.state = 'Available' AND m.profile = v_profile
                    ORDER BY m.id LIMIT v_need FOR UPDATE SKIP LOCKED) s;
                v_pos := 1;
                FOR i IN 1 .. array_length(p_leases, 1) LOOP
                    CONTINUE WHEN p_profiles[i] <> v_profile OR v_pos + p_counts[i] - 1 > coalesce(array_length(v_free, 1), 0);
                    v_lease := v_lease || array_fill(p_leases[i], ARRAY[p_counts[i]]);
                    v_machine := v_machine || v_free[v_pos : v_pos + p_counts[i] - 1];
                    v_n := v_n || array_fill(i, ARRAY[p_counts[i]]);
                    v_pos := v_pos + p_counts[i];
                END LOOP;
            END LOOP;
            IF array_length(v_n, 1) IS NULL THEN RETURN; END IF;
            INSERT INTO leases (id, holder, request_id, ttl_ms, granted_at, expires_at, state)
                SELECT p_leases[g.n], p_holders[g.n], p_requests[g.n], p_ttl_ms[g.n], p_nows[g.n], p_nows[g.n] + p_ttl_ms[g.n], 'Active'
                FROM (SELECT DISTINCT n FROM unnest(v_n) AS n) g ORDER BY g.n;
            INSERT INTO lease_machines (lease_id, machine_id, active) SELECT u.l, u.m, 1 FROM unnest(v_lease, v_machine) AS u(l, m);
            UPDATE machines m SET state = 'Reserved', lease_id = u.l, updated_at = p_nows[u.n]
                FROM unnest(v_lease, v_machine, v_n) AS u(l, mid, n) WHERE m.id = u.mid;
            INSERT INTO events (at, kind, subject, from_state, to_state, reason, lease_id)
                SELECT p_nows[u.n], 'machine', u.mid, 'Available', 'Reserved', 'claimed for ' || p_requests[u.n] || ' by ' || p_holders[u.n], u.l
                FROM unnest(v_lease, v_machine, v_n) WITH ORDINALITY AS u(l, mid, n, k) ORDER BY u.k;
            RETURN QUERY WITH granted AS (
                SELECT u.n, array_agg(u.mid ORDER BY u.mid) AS ids FROM unnest(v_machine, v_n) AS u(mid, n) GROUP BY u.n),
            ev AS (INSERT INTO events (at, kind, subject, from_state, to_state, reason, lease_id)
                SELECT p_nows[g.n], 'lease', p_leases[g.n], NULL, 'Active',
                    'granted to ' || p_holders[g.n] || ' for ' || p_requests[g.n] || ': ' || array_to_string(g.ids, ','), p_leases[g.n]
                FROM granted g ORDER BY g.n)
            SELECT p_leases[g.n], g.ids FROM granted g ORDER BY g.n;
        END $$;

        CREATE FUNCTION tf_release_many(p_leases text[], p_holders text[], p_reasons text[], p_nows bigint[])
        RETURNS TABLE (o_status text, o_holder text, o_request text, o_ttl_ms bigint, o_granted_at bigint, o_expires_at bigint,
            o_state text, o_ended_at bigint, o_end_reason text, o_machines text[])
        LANGUAGE plpgsql SET enable_seqscan = off AS $$
        DECLARE
            v_ok text[];
        BEGIN
            -- Lock the leases (in id order), answer every call from what they are now, then end those whose holder
            -- asked while they were Active: machines to Cleaning, holds dropped, lease Released, all audited.
            WITH locked AS MATERIALIZED (SELECT l.id, l.holder, l.state FROM leases l WHERE l.id = ANY(p_leases) ORDER BY l.id FOR UPDATE)
            SELECT array_agg(l.id) INTO v_ok FROM locked l WHERE l.state = 'Active' AND l.holder = p_holders[array_position(p_leases, l.id)];
            RETURN QUERY SELECT CASE WHEN l.id IS NULL THEN 'missing' WHEN l.holder = r.holder AND l.state = 'Active' THEN 'ok' ELSE 'refused' END,
                    l.holder, l.request_id, l.ttl_ms, l.granted_at, l.expires_at, l.state, l.ended_at, l.end_reason,
                    (SELECT array_agg(lm.machine_id ORDER BY lm.machine_id) FROM lease_machines lm WHERE lm.lease_id = r.lease)
                FROM unnest(p_leases, p_holders) WITH ORDINALITY AS r(lease, holder, n)
                LEFT JOIN LATERAL (SELECT * FROM leases WHERE leases.id = r.lease) l ON true ORDER BY r.n;
            IF v_ok IS NULL THEN RETURN; END IF;
            WITH held AS (SELECT m.id, m.state, m.lease_id FROM machines m
                          WHERE m.id = ANY(ARRAY(SELECT lm.machine_id FROM lease_machines lm WHERE lm.lease_id = ANY(v_ok) AND lm.active = 1))
                            AND m.lease_id = ANY(v_ok)
                          ORDER BY m.id FOR UPDATE),
                 moved AS (UPDATE machines m SET state = 'Cleaning', lease_id = NULL, updated_at = p_nows[array_position(p_leases, held.lease_id)]
                           FROM held WHERE m.id = held.id RETURNING m.id, held.state AS old_state, held.lease_id AS lease)
            INSERT INTO events (at, kind, subject, from_state, to_state, reason, lease_id)
                SELECT p_nows[k], 'machine', moved.id, moved.old_state, 'Cleaning', 'lease ' || moved.lease || ' released: ' || p_reasons[k], moved.lease
                FROM moved, array_position(p_leases, moved.lease) AS k ORDER BY k, moved.id;
            UPDATE lease_machines SET active = 0 WHERE lease_id = ANY(v_ok) AND active = 1;
            UPDATE leases l SET state = 'Released', ended_at = p_nows[array_position(p_leases, l.id)], end_reason = p_reasons[array_position(p_leases, l.id)]
                WHERE l.id = ANY(v_ok);
            INSERT INTO events (at, kind, subject, from_state, to_state, reason, lease_id)
                SELECT p_nows[k], 'lease', u.lease, 'Active', 'Released', p_reasons[k], u.lease
                FROM unnest(v_ok) AS u(lease), array_position(p_leases, u.lease) AS k ORDER BY k;
        END $$;

        CREATE FUNCTION tf_move_many(p_ids text[], p_tos text[], p_reasons text[], p_allowed text[], p_keeps boolean[], p_nows bigint[])
        RETURNS TABLE (id text, profile text, l2_domain text, state text, lease_id text, updated_at bigint, moved bigint)
        LANGUAGE plpgsql SET enable_seqscan = off AS $$
        BEGIN
            -- Each machine (distinct ids) moves only from a state in its own allowed list (comma-separated), drops
            -- its hold when it leaves the held states, and is audited; one row per call as the machine was before,
            -- empty for an unknown machine.
            RETURN QUERY WITH
                cur AS MATERIALIZED (SELECT m.id, m.profile, m.l2_domain, m.state, m.lease_id, m.updated_at FROM machines m
                                     WHERE m.id = ANY(p_ids) ORDER BY m.id FOR UPDATE),
                upd AS (UPDATE machines m SET state = p_tos[k], lease_id = CASE WHEN p_keeps[k] THEN cur.lease_id END, updated_at = p_nows[k]
                        FROM cur, array_position(p_ids, cur.id) AS k
                        WHERE m.id = cur.id AND cur.state = ANY(string_to_array(p_allowed[k], ','))
                        RETURNING m.id, cur.state AS old_state, cur.lease_id AS old_lease, k),
                holds AS (UPDATE lease_machines lm SET active = 0
                          WHERE lm.active = 1 AND lm.machine_id = ANY(ARRAY(SELECT upd.id FROM upd WHERE upd.old_lease IS NOT NULL AND NOT p_keeps[upd.k]))
                          RETURNING 1),
                ev AS (INSERT INTO events (at, kind, subject, from_state, to_state, reason, lease_id)
                       SELECT p_nows[upd.k], 'machine', upd.id, upd.old_state, p_tos[upd.k], p_reasons[upd.k], upd.old_lease FROM upd ORDER BY upd.k RETURNING 1)
            SELECT cur.id, cur.profile, cur.l2_domain, cur.state, cur.lease_id, coalesce(cur.updated_at, 0),
                   CASE WHEN upd.id IS NULL THEN 0 ELSE 1 END::bigint
            FROM unnest(p_ids) WITH ORDINALITY AS r(id, n) LEFT JOIN cur ON cur.id = r.id LEFT JOIN upd ON upd.id = r.id ORDER BY r.n;
        END $$;
        """;

    /// <summary>
    /// Migration 5: the farm's text columns compare byte by byte (collation "C"), as SQLite's do: keys, states and
    /// names are ASCII identifiers, so a locale's rules only cost time in every index lookup and sort, and ordered
    /// lists (machines by id, histories by subject) come out in the same order on both databases.
    /// </summary>
    public const string BinaryCollation = """
        DO $$
        DECLARE r record;
        BEGIN
            FOR r IN SELECT c.table_name, c.column_name FROM information_schema.columns c
                     WHERE c.table_schema = current_schema() AND c.data_type = 'text'
                       AND c.table_name IN ('machines', 'leases', 'lease_machines', 'requests', 'runs', 'cells', 'results', 'events') LOOP
                EXECUTE format('ALTER TABLE %I ALTER COLUMN %I TYPE text COLLATE "C"', r.table_name, r.column_name);
            END LOOP;
        END $$;
        """;
}
