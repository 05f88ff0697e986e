package audit

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// Filter narrows the log. Nil fields do not filter.
type Filter struct {
	Action      *Action
	ActorEmail  *string    // the actor's address as recorded, exactly
	ActorPrefix *string    // … or a LIKE pattern: an escaped prefix and %
	TargetEmail *string    // the target is the user with this address now
	TargetID    *string    // the target's id, whatever its kind
	IP          *string    // the client address, in net.IP's spelling
	From        *time.Time // at >= From
	Before      *time.Time // at < Before (the day after the "to" date)
	After       *Position  // keyset: the last entry of the previous page
	Limit       int
}

// Position is an entry's place in the log's order (newest first).
type Position struct {
	At time.Time
	ID int64
}

// Row is an entry as the page shows it: whether its actor and (user) target still
// exist come from the same statement.
type Row struct {
	ID           int64     `db:"id"`
	At           time.Time `db:"at"`
	ActorID      *string   `db:"actor_id"`
	ActorEmail   string    `db:"actor_email"`
	ActorExists  bool      `db:"actor_exists"`
	Action       string    `db:"action"`
	TargetType   string    `db:"target_type"`
	TargetID     string    `db:"target_id"`
	TargetLabel  string    `db:"target_label"`
	TargetExists bool      `db:"target_exists"`
	IP           string    `db:"ip"`
	Before       *string   `db:"before"`
	After        *string   `db:"after"`
}

// listSQL is the page: one statement, whatever the filters. The pool speaks the simple
// protocol, so the arguments reach Postgres as literals and each "$n IS NULL OR …" folds
// away before planning: every filter plans as if it were written alone, on its index
// (audit_log_action_idx, audit_log_actor_email_idx, audit_log_target_idx,
// audit_log_ip_idx, audit_log_at_idx for the dates; bench_plans_test.go checks them).
// Each row's actor and target are one probe of user_pkey each, never a query per row.
const listSQL = `
SELECT a.id, a.at, a.actor_id, a.actor_email, au.id IS NOT NULL AS actor_exists, a.action,
       a.target_type, a.target_id, a.target_label, tu.id IS NOT NULL AS target_exists, a.ip,
       a.before::text AS before, a.after::text AS after
FROM audit_log a
LEFT JOIN "user" au ON au.id = a.actor_id
LEFT JOIN "user" tu ON a.target_type = 'user' AND tu.id = a.target_id
WHERE ($1::text IS NULL OR a.action = $1)
  AND ($2::text IS NULL OR a.actor_email = $2)
  AND ($3::text IS NULL OR a.actor_email LIKE $3)
  AND ($4::text IS NULL OR (a.target_type = 'user' AND a.target_id = (SELECT u.id FROM "user" u WHERE u.email = $4)))
  AND ($5::text IS NULL OR (a.target_type = ANY($6::text[]) AND a.target_id = $5))
  AND ($7::text IS NULL OR a.ip = $7)
  AND ($8::timestamptz IS NULL OR a.at >= $8)
  AND ($9::timestamptz IS NULL OR a.at < $9)
  AND ($10::timestamptz IS NULL OR (a.at, a.id) < ($10::timestamptz, $11::bigint))
ORDER BY a.at DESC, a.id DESC
LIMIT $12`

// listArgs are listSQL's arguments for f.
func listArgs(f Filter) []any {
	if f.Limit <= 0 {
		f.Limit = pageSize
	}
	var action *string
	if f.Action != nil {
		a := string(*f.Action)
		action = &a
	}
	var at *time.Time
	var id *int64
	if f.After != nil {
		at, id = &f.After.At, &f.After.ID
	}
	return []any{action, f.ActorEmail, f.ActorPrefix, f.TargetEmail, f.TargetID, targetTypes, f.IP,
		f.From, f.Before, at, id, f.Limit + 1}
}

// List returns one page of entries, newest first, and whether more follow.
func List(ctx context.Context, q db.Querier, f Filter) ([]Row, bool, error) {
	args := listArgs(f)
	limit := args[len(args)-1].(int) - 1
	rows, err := q.Query(ctx, listSQL, args...)
	if err != nil {
		return nil, false, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Row])
	if err != nil {
		return nil, false, db.Translate(err)
	}
	more := len(list) > limit
	if more {
		list = list[:limit]
	}
	return list, more, nil
}
