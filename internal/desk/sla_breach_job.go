package desk

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/mail"
	"rapport/web"
)

// BreachMailArgs is the periodic job that emails SLA warnings (warn_before_mins before a
// ticket's next deadline) and breaches (once it has passed): internal/server/jobs.go
// schedules it every minute.
type BreachMailArgs struct{}

// Kind names the job in River's tables.
func (BreachMailArgs) Kind() string { return "sla_breach_mail" }

// BreachMailWorker runs SendBreachMail.
type BreachMailWorker struct {
	river.WorkerDefaults[BreachMailArgs]
	DB  *db.DB
	Log *slog.Logger
	// Out links the emails to the desk (its Base: BaseURL).
	Out Outbound
	Now func() time.Time // nil: the real clock
}

// Work sends the warnings and breach emails due.
func (w *BreachMailWorker) Work(ctx context.Context, _ *river.Job[BreachMailArgs]) error {
	now := time.Now()
	if w.Now != nil {
		now = w.Now()
	}
	n, err := SendBreachMail(ctx, w.DB, w.Out, now)
	if n > 0 {
		w.Log.InfoContext(ctx, "sent SLA breach emails", "emails", n)
	}
	return err
}

const (
	// breachBatch bounds one transaction's tickets, breachBatches one run's.
	breachBatch   = 100
	breachBatches = 20
	// breachStale is how late a mail may still go: a deadline further past (the server
	// was down) is claimed without mail.
	breachStale = time.Hour
)

// breachRecipientsSQL is the people a claimed ticket c's mail goes to: its assignee, or
// when nobody has it, every agent of its team; staff who may still sign in only.
const breachRecipientsSQL = `
coalesce((SELECT json_agg(json_build_object('name', u.name, 'email', u.email, 'zone', u.time_zone) ORDER BY u.id)
          FROM (
              SELECT u.id FROM "user" u WHERE u.id = c.assignee_id
              UNION
              SELECT a.user_id FROM agents a WHERE c.assignee_id IS NULL AND c.team IS NOT NULL AND a.team = c.team
          ) who
          CROSS JOIN LATERAL (SELECT * FROM "user" u WHERE u.id = who.id OFFSET 0) u
          WHERE NOT u.banned AND u.role IN ('agent', 'admin')), '[]') AS recipients`

// The tickets whose warning is due at $1: open, the next deadline still ahead but
// within the policy's warn_before_mins, not yet warned about (idx_ticket_warn_due,
// ranged to a day: warn_before_mins is at most 1440). The claim writes the deadline
// into sla_warned_for in the same statement; rows another runner holds are skipped.
const claimWarningsSQL = `
WITH due AS (
    SELECT t.id, t.next_due_at FROM tickets t
    JOIN sla_policies p ON p.id = t.sla_policy_id
    WHERE t.status = 'open' AND t.sla_warned_for IS DISTINCT FROM t.next_due_at
      AND t.next_due_at > $1::timestamptz AND t.next_due_at <= $1::timestamptz + interval '1 day'
      AND p.warn_before_mins IS NOT NULL
      AND t.next_due_at - p.warn_before_mins * interval '1 minute' <= $1::timestamptz
    ORDER BY t.next_due_at
    LIMIT $2
    FOR UPDATE OF t SKIP LOCKED
), c AS (
    UPDATE tickets t SET sla_warned_for = due.next_due_at FROM due WHERE t.id = due.id
    RETURNING t.id, t.subject, t.next_due_at, t.assignee_id, t.team, t.requester_id,
              (t.first_response_at IS NULL AND t.first_response_due_at = t.next_due_at) AS first_reply
)
SELECT c.id, c.subject, c.next_due_at, c.first_reply, r.name AS requester_name, ` + breachRecipientsSQL + `
FROM c CROSS JOIN LATERAL (SELECT name FROM "user" r WHERE r.id = c.requester_id OFFSET 0) r`

// The tickets whose deadline has passed at $1 without a breach mail (idx_ticket_breach_due).
const claimBreachesSQL = `
WITH due AS (
    SELECT t.id, t.next_due_at FROM tickets t
    WHERE t.status = 'open' AND t.sla_breach_mailed_for IS DISTINCT FROM t.next_due_at
      AND t.next_due_at <= $1::timestamptz
    ORDER BY t.next_due_at
    LIMIT $2
    FOR UPDATE OF t SKIP LOCKED
), c AS (
    UPDATE tickets t SET sla_breach_mailed_for = due.next_due_at, sla_warned_for = due.next_due_at
    FROM due WHERE t.id = due.id
    RETURNING t.id, t.subject, t.next_due_at, t.assignee_id, t.team, t.requester_id,
              (t.first_response_at IS NULL AND t.first_response_due_at = t.next_due_at) AS first_reply
)
SELECT c.id, c.subject, c.next_due_at, c.first_reply, r.name AS requester_name, ` + breachRecipientsSQL + `
FROM c CROSS JOIN LATERAL (SELECT name FROM "user" r WHERE r.id = c.requester_id OFFSET 0) r`

// Deadlines more than breachStale past without their mail (the server was down, or the
// tickets were written by something other than the desk: seeds, imports) are marked as
// mailed in bulk, a bounded batch a run, before the batches that send.
const skipStaleBreachesSQL = `
WITH stale AS (
    SELECT t.id FROM tickets t
    WHERE t.status = 'open' AND t.sla_breach_mailed_for IS DISTINCT FROM t.next_due_at
      AND t.next_due_at < $1::timestamptz
    ORDER BY t.next_due_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
UPDATE tickets t SET sla_breach_mailed_for = t.next_due_at, sla_warned_for = t.next_due_at
FROM stale WHERE t.id = stale.id`

// staleBatch bounds the bulk marking of one run.
const staleBatch = 5000

type breachRecipient struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Zone  string `json:"zone"`
}

type breachRow struct {
	ID         string            `db:"id"`
	Subject    string            `db:"subject"`
	Due        time.Time         `db:"next_due_at"`
	FirstReply bool              `db:"first_reply"`
	Requester  string            `db:"requester_name"`
	Recipients []breachRecipient `db:"recipients"`
}

// breachEmail is what sla_warning.tmpl and sla_breach.tmpl say.
type breachEmail struct {
	Name, Ref, Subject, Requester, Target, When, Left, Link string
}

// SendBreachMail queues the warnings and breach emails due at now and returns how many.
// Each ticket's mail is queued in the transaction that claims it, so it goes once
// whatever the replicas and retries.
func SendBreachMail(ctx context.Context, d *db.DB, out Outbound, now time.Time) (int, error) {
	total := 0
	if _, err := d.Exec(ctx, skipStaleBreachesSQL, now.Add(-breachStale), staleBatch); err != nil {
		return 0, db.Translate(err)
	}
	for _, kind := range []struct {
		sql, template string
	}{{claimBreachesSQL, "sla_breach"}, {claimWarningsSQL, "sla_warning"}} {
		for i := 0; i < breachBatches; i++ {
			n, claimed, err := sendBreachBatch(ctx, d, out, now, kind.sql, kind.template)
			total += n
			if err != nil {
				return total, err
			}
			if claimed < breachBatch {
				break
			}
		}
	}
	return total, nil
}

func sendBreachBatch(ctx context.Context, d *db.DB, out Outbound, now time.Time, sql, template string) (sent, claimed int, err error) {
	err = d.InTx(ctx, func(tx pgx.Tx) error {
		sent, claimed = 0, 0
		rows, err := tx.Query(ctx, sql, now, breachBatch)
		if err != nil {
			return db.Translate(err)
		}
		list, err := pgx.CollectRows(rows, pgx.RowToStructByName[breachRow])
		if err != nil {
			return db.Translate(err)
		}
		claimed = len(list)
		for _, r := range list {
			if r.Due.Before(now.Add(-breachStale)) {
				continue
			}
			target := "resolution"
			if r.FirstReply {
				target = "first reply"
			}
			for _, to := range r.Recipients {
				loc, ok := auth.LoadZone(to.Zone)
				if !ok {
					loc = time.UTC
				}
				e := breachEmail{Name: to.Name, Ref: ShortRef(r.ID), Subject: r.Subject, Requester: r.Requester,
					Target: target, When: web.Moment(r.Due, loc), Left: FormatDuration(r.Due.Sub(now)),
					Link: link(out.Base, "/desk/tickets/"+r.ID)}
				m, err := emails.Message(template, to.Email, e)
				if err != nil {
					return err
				}
				if err := mail.Enqueue(ctx, tx, m); err != nil {
					return err
				}
				sent++
			}
		}
		return nil
	})
	return sent, claimed, err
}
