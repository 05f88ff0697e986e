package desk

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// Deadlines of tickets whose policy counts business hours. tickets_sla (migration
// 00008) computes every ticket's deadlines in clock time whenever the priority or the
// pause total changes; for a policy with a calendar, the code that made the change then
// calls refreshDue in the same transaction, which computes them in the calendar's
// business time (internal/desk/hours) and stores them, so next_due_at (generated from
// them) keeps meaning "the next due instant" and the queue's sort and indexes stay as
// they are.

// dueFacts is what refreshDue reads of a ticket whose policy has a calendar.
type dueFacts struct {
	ID          string         `db:"id"`
	CreatedAt   time.Time      `db:"created_at"`
	FirstMins   int            `db:"sla_first_response_mins"`
	ResolveMins int            `db:"sla_resolve_mins"`
	PausedSecs  int            `db:"paused_secs"`
	Zone        string         `db:"zone"`
	Week        weekJSON       `db:"week"`
	Holidays    []time.Time    `db:"holidays"`
	History     []StatusChange `db:"history"`
}

const dueFactsSQL = `
SELECT t.id, t.created_at, t.sla_first_response_mins, t.sla_resolve_mins, t.paused_secs,
       c.zone, c.week, c.holidays,
       coalesce((SELECT json_agg(h ORDER BY h.created_at, h.id) FROM (
           SELECT s.id, '' AS actor_name, s.from_status, s.to_status, s.created_at
           FROM ticket_status_changes s WHERE s.ticket_id = t.id) h), '[]') AS history
FROM tickets t
JOIN sla_policies p ON p.id = t.sla_policy_id
JOIN business_calendars c ON c.id = p.calendar_id
WHERE t.id = ANY($1::uuid[]) AND t.sla_first_response_mins > 0 AND t.sla_resolve_mins > 0`

// Only the columns that moved are written; the statement does not touch priority or
// paused_secs, so tickets_sla does not run again.
const storeDueSQL = `
UPDATE tickets t SET first_response_due_at = u.fr, resolve_due_at = u.res
FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS u(id, fr, res)
WHERE t.id = u.id
  AND (t.first_response_due_at IS DISTINCT FROM u.fr OR t.resolve_due_at IS DISTINCT FROM u.res)`

// refreshDue recomputes and stores the business-time deadlines of those of ids whose
// policy has a calendar (two statements, whatever the number of ids; none when ids is
// empty). The others keep tickets_sla's.
func refreshDue(ctx context.Context, q db.Querier, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	rows, err := q.Query(ctx, dueFactsSQL, ids)
	if err != nil {
		return db.Translate(err)
	}
	facts, err := pgx.CollectRows(rows, pgx.RowToStructByName[dueFacts])
	if err != nil || len(facts) == 0 {
		return db.Translate(err)
	}
	var tids []string
	var frs, ress []time.Time
	for _, f := range facts {
		cal := BusinessCalendar{Zone: f.Zone, Week: f.Week, Holidays: f.Holidays}.Hours()
		paused := businessPaused(cal, f.History, f.PausedSecs)
		tids = append(tids, f.ID)
		frs = append(frs, cal.AddBusiness(f.CreatedAt, minutes(f.FirstMins)))
		ress = append(ress, cal.AddBusiness(f.CreatedAt, minutes(f.ResolveMins)+paused))
	}
	_, err = q.Exec(ctx, storeDueSQL, tids, frs, ress)
	return db.Translate(err)
}

// dueBatch is how many open tickets one step of a recomputation takes: the save of a
// calendar or policy does the first step in its own transaction, the sla_due_recompute
// job the rest.
const dueBatch = 500

// Setting paused_secs to itself makes tickets_sla compute the clock-time deadlines
// again (the policy may have stopped using a calendar); the batch is the policy's open
// tickets after $2 by id (idx_ticket_policy_active).
const recomputeBatchSQL = `
WITH batch AS (
    SELECT id FROM tickets
    WHERE sla_policy_id = $1 AND status IN ('open', 'pending') AND ($2::uuid IS NULL OR id > $2::uuid)
    ORDER BY id
    LIMIT $3
)
UPDATE tickets t SET paused_secs = t.paused_secs
WHERE t.id = ANY (ARRAY(SELECT id FROM batch))
RETURNING t.id::text`

// recomputeBatch recomputes the deadlines of up to limit open tickets of policy after
// the id after ("" for the start): it returns the last id done, "" when the policy has
// no more.
func recomputeBatch(ctx context.Context, q db.Querier, policy, after string, limit int) (string, error) {
	var from *string
	if after != "" {
		from = &after
	}
	rows, err := q.Query(ctx, recomputeBatchSQL, policy, from, limit)
	if err != nil {
		return "", db.Translate(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", db.Translate(err)
	}
	if err := refreshDue(ctx, q, ids); err != nil {
		return "", err
	}
	if len(ids) < limit {
		return "", nil
	}
	last := ids[0]
	for _, id := range ids {
		if id > last {
			last = id
		}
	}
	return last, nil
}

const queueRecomputeSQL = `
INSERT INTO sla_due_recompute (policy_id, after_id) VALUES ($1, $2)
ON CONFLICT (policy_id) DO UPDATE SET after_id = NULL, requested_at = now()`

// recomputePolicies recomputes, in the transaction of the edit that moved them, the
// deadlines of the open tickets of policies: the first batch of each at once, the rest
// left to the sla_due_recompute job (a row per policy, started again from the first
// ticket if one was still waiting).
func recomputePolicies(ctx context.Context, q db.Querier, policies []string) error {
	for _, p := range policies {
		last, err := recomputeBatch(ctx, q, p, "", dueBatch)
		if err != nil {
			return err
		}
		if last != "" {
			if _, err := q.Exec(ctx, queueRecomputeSQL, p, last); err != nil {
				return db.Translate(err)
			}
		}
	}
	return nil
}

const calendarPoliciesSQL = `SELECT id::text FROM sla_policies WHERE calendar_id = $1 ORDER BY id`

// calendarPolicies are the policies that use calendar id.
func calendarPolicies(ctx context.Context, q db.Querier, id string) ([]string, error) {
	rows, err := q.Query(ctx, calendarPoliciesSQL, id)
	if err != nil {
		return nil, db.Translate(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return ids, db.Translate(err)
}
