package desk

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"rapport/internal/db"
	"rapport/internal/mail"
)

// AutomationArgs is the periodic job of the desk's automation rules (workspace_settings,
// /admin/automation): solved tickets close after close_solved_after_days; a pending
// ticket gets one reminder to its requester after pending_remind_after_days without an
// answer, and is solved pending_solve_after_days after that reminder.
type AutomationArgs struct{}

// Kind names the job in River's tables.
func (AutomationArgs) Kind() string { return "desk_automation" }

// AutomationWorker runs RunAutomation.
type AutomationWorker struct {
	river.WorkerDefaults[AutomationArgs]
	DB  *db.DB
	Log *slog.Logger
	// Out links the reminders to the portal (its Base: BaseURL).
	Out Outbound
	Now func() time.Time // nil: the real clock
}

// Work applies the rules once.
func (w *AutomationWorker) Work(ctx context.Context, _ *river.Job[AutomationArgs]) error {
	now := time.Now()
	if w.Now != nil {
		now = w.Now()
	}
	r, err := RunAutomation(ctx, w.DB, w.Out, now)
	if r.Closed+r.Reminded+r.Solved > 0 {
		w.Log.InfoContext(ctx, "desk automation", "closed", r.Closed, "reminded", r.Reminded, "solved", r.Solved)
	}
	return err
}

// AutomationID is the user the automation's changes are recorded under (created the
// first time it changes something: banned, without a password, no agent).
const AutomationID = "rapport-automation"

const ensureAutomationUserSQL = `
INSERT INTO "user" (id, name, email, email_verified, role, banned)
VALUES ('` + AutomationID + `', 'Automation', 'automation@rapport.invalid', true, 'customer', true)
ON CONFLICT DO NOTHING`

// AutomationSettings are the rules' days; nil turns a rule off.
type AutomationSettings struct {
	CloseSolvedDays   *int `db:"close_solved_after_days"`
	PendingRemindDays *int `db:"pending_remind_after_days"`
	PendingSolveDays  *int `db:"pending_solve_after_days"`
}

const automationSettingsSQL = `
SELECT close_solved_after_days, pending_remind_after_days, pending_solve_after_days
FROM workspace_settings WHERE id`

func loadAutomationSettings(ctx context.Context, q db.Querier) (AutomationSettings, error) {
	rows, err := q.Query(ctx, automationSettingsSQL)
	if err != nil {
		return AutomationSettings{}, db.Translate(err)
	}
	s, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[AutomationSettings])
	return s, db.Translate(err)
}

const (
	automationBatch   = 100
	automationBatches = 20
)

// Each rule claims a batch (FOR UPDATE SKIP LOCKED: another replica's batch is left to
// it), changes it and records the change in the status history, in one statement.
// $1 is now, $2 the rule's days, $3 the batch, $4 the automation's user.

// Closing leaves the solved ticket's clock bookkeeping as it was (as the desk does).
const autoCloseSQL = `
WITH due AS (
    SELECT id FROM tickets
    WHERE status = 'solved' AND solved_at <= $1::timestamptz - make_interval(days => $2::int)
    ORDER BY solved_at
    LIMIT $3
    FOR UPDATE SKIP LOCKED
), c AS (
    UPDATE tickets t SET status = 'closed', version = t.version + 1, updated_at = $1, updated_by = $4
    FROM due WHERE t.id = due.id
    RETURNING t.id, t.priority
), h AS (
    INSERT INTO ticket_status_changes (ticket_id, actor_id, from_status, to_status, created_at)
    SELECT id, $4, 'solved', 'closed', $1 FROM c
)
SELECT id::text, priority FROM c`

// A reminder is of the current pending stretch (paused_since is when it began): one
// sent in an earlier stretch does not count. It is recorded as an internal note.
const autoRemindSQL = `
WITH due AS (
    SELECT id FROM tickets
    WHERE status = 'pending' AND paused_since <= $1::timestamptz - make_interval(days => $2::int)
      AND (pending_reminded_at IS NULL OR pending_reminded_at < paused_since)
    ORDER BY paused_since
    LIMIT $3
    FOR UPDATE SKIP LOCKED
), c AS (
    UPDATE tickets t SET pending_reminded_at = $1
    FROM due WHERE t.id = due.id
    RETURNING t.id, t.subject, t.requester_id
), n AS (
    INSERT INTO ticket_messages (ticket_id, author_id, body, is_internal, created_at)
    SELECT id, $4, 'Automation: reminded the requester that the ticket waits for their answer.', true, $1 FROM c
)
SELECT c.id::text, c.subject, r.name AS requester_name, r.email AS requester_email
FROM c CROSS JOIN LATERAL (SELECT name, email FROM "user" r WHERE r.id = c.requester_id OFFSET 0) r`

// Solving ends the pending pause and starts the solved one, as the desk's status change
// does (updateTicketSQL).
const autoSolveSQL = `
WITH due AS (
    SELECT id FROM tickets
    WHERE status = 'pending' AND pending_reminded_at >= paused_since
      AND pending_reminded_at <= $1::timestamptz - make_interval(days => $2::int)
      AND paused_since <= $1::timestamptz - make_interval(days => $2::int)
    ORDER BY paused_since
    LIMIT $3
    FOR UPDATE SKIP LOCKED
), c AS (
    UPDATE tickets t SET status = 'solved', solved_at = coalesce(t.solved_at, $1),
        paused_secs = t.paused_secs + greatest(0, round(extract(epoch FROM $1::timestamptz - t.paused_since)))::int,
        paused_since = $1, version = t.version + 1, updated_at = $1, updated_by = $4
    FROM due WHERE t.id = due.id
    RETURNING t.id, t.priority
), h AS (
    INSERT INTO ticket_status_changes (ticket_id, actor_id, from_status, to_status, created_at)
    SELECT id, $4, 'pending', 'solved', $1 FROM c
)
SELECT id::text, priority FROM c`

// AutomationResult counts what a run did.
type AutomationResult struct {
	Closed, Reminded, Solved int
}

type changedTicket struct {
	ID       string `db:"id"`
	Priority string `db:"priority"`
}

type remindedTicket struct {
	ID             string `db:"id"`
	Subject        string `db:"subject"`
	RequesterName  string `db:"requester_name"`
	RequesterEmail string `db:"requester_email"`
}

// reminderEmail is what pending_reminder.tmpl says.
type reminderEmail struct {
	Requester, Ref, Subject, Link string
	SolveDays                     int
}

// RunAutomation applies the rules at now, in batches of automationBatch tickets, each
// in its own transaction, at most automationBatches per rule: the next run goes on.
func RunAutomation(ctx context.Context, d *db.DB, out Outbound, now time.Time) (AutomationResult, error) {
	var res AutomationResult
	set, err := loadAutomationSettings(ctx, d)
	if err != nil {
		return res, err
	}
	if set.CloseSolvedDays == nil && set.PendingRemindDays == nil {
		return res, nil
	}
	if _, err := d.Exec(ctx, ensureAutomationUserSQL); err != nil {
		return res, db.Translate(err)
	}
	status := func(sql string, days int, to Status, what string, count *int) error {
		for i := 0; i < automationBatches; i++ {
			n := 0
			err := d.InTx(ctx, func(tx pgx.Tx) error {
				rows, err := tx.Query(ctx, sql, now, days, automationBatch, AutomationID)
				if err != nil {
					return db.Translate(err)
				}
				list, err := pgx.CollectRows(rows, pgx.RowToStructByName[changedTicket])
				if err != nil {
					return db.Translate(err)
				}
				n = len(list)
				for _, t := range list {
					if err := notify(ctx, tx, Event{Kind: "updated", Ticket: t.ID, Status: string(to), Priority: t.Priority,
						Actor: AutomationID, ActorName: "Automation", What: what}); err != nil {
						return err
					}
				}
				return nil
			})
			*count += n
			if err != nil || n < automationBatch {
				return err
			}
		}
		return nil
	}
	if set.CloseSolvedDays != nil {
		if err := status(autoCloseSQL, *set.CloseSolvedDays, StatusClosed, "closed it (solved "+itoa(*set.CloseSolvedDays)+" days ago)", &res.Closed); err != nil {
			return res, err
		}
	}
	if set.PendingRemindDays == nil {
		return res, nil
	}
	solveDays := 0
	if set.PendingSolveDays != nil {
		solveDays = *set.PendingSolveDays
	}
	for i := 0; i < automationBatches; i++ {
		n := 0
		err := d.InTx(ctx, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, autoRemindSQL, now, *set.PendingRemindDays, automationBatch, AutomationID)
			if err != nil {
				return db.Translate(err)
			}
			list, err := pgx.CollectRows(rows, pgx.RowToStructByName[remindedTicket])
			if err != nil {
				return db.Translate(err)
			}
			n = len(list)
			for _, t := range list {
				m, err := emails.Message("pending_reminder", t.RequesterEmail, reminderEmail{Requester: t.RequesterName,
					Ref: ShortRef(t.ID), Subject: t.Subject, Link: link(out.Base, "/support/tickets/"+t.ID), SolveDays: solveDays})
				if err != nil {
					return err
				}
				if err := mail.Enqueue(ctx, tx, m); err != nil {
					return err
				}
			}
			return nil
		})
		res.Reminded += n
		if err != nil {
			return res, err
		}
		if n < automationBatch {
			break
		}
	}
	if set.PendingSolveDays != nil {
		if err := status(autoSolveSQL, *set.PendingSolveDays, StatusSolved, "solved it (no answer after the reminder)", &res.Solved); err != nil {
			return res, err
		}
	}
	return res, nil
}
