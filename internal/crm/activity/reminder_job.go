package activity

import (
	"context"
	"log/slog"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/mail"
)

// ReminderArgs is the periodic job that emails the reminders of timed activities, N
// minutes before each (internal/server/jobs.go schedules it every minute).
type ReminderArgs struct{}

// Kind names the job in River's tables.
func (ReminderArgs) Kind() string { return "activity_reminder" }

// ReminderWorker runs SendReminders.
type ReminderWorker struct {
	river.WorkerDefaults[ReminderArgs]
	DB      *db.DB
	Log     *slog.Logger
	BaseURL *url.URL
	Now     func() time.Time // nil: the real clock
}

// Work sends the reminders due.
func (w *ReminderWorker) Work(ctx context.Context, _ *river.Job[ReminderArgs]) error {
	now := time.Now()
	if w.Now != nil {
		now = w.Now()
	}
	n, err := SendReminders(ctx, w.DB, w.BaseURL, now)
	if n > 0 {
		w.Log.InfoContext(ctx, "sent activity reminders", "emails", n)
	}
	return err
}

// reminderBatch bounds one transaction's reminders.
const reminderBatch = 100

// reminderStale is how late a reminder may still go out: one whose activity is due
// longer ago than this (the server was down) is dropped, not sent.
const reminderStale = time.Hour

// claimRemindersSQL marks the reminders due at $1 as sent and returns them with their
// assignee: rows another runner holds are skipped (it is sending them).
const claimRemindersSQL = `
WITH due AS (
    SELECT p.id FROM planned_activities p
    WHERE p.remind_at <= $1 AND p.reminded_at IS NULL AND p.done_at IS NULL AND p.remind_at IS NOT NULL
    ORDER BY p.remind_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE planned_activities p SET reminded_at = $1 FROM due WHERE p.id = due.id
    RETURNING p.*
)
SELECT ` + plannedColumns + `, u.email AS assignee_email, u.time_zone AS assignee_zone
FROM claimed p
` + plannedJoins

type reminderRow struct {
	Planned
	Email string `db:"assignee_email"`
	Zone  string `db:"assignee_zone"`
}

// SendReminders queues the reminder emails due at now and returns how many. Each is
// queued in the transaction that marks it sent (reminded_at), so it goes out once
// whatever the replicas and retries; a reschedule makes it due again.
func SendReminders(ctx context.Context, d *db.DB, base *url.URL, now time.Time) (int, error) {
	total := 0
	for {
		n, claimed, err := sendReminders(ctx, d, base, now)
		total += n
		if err != nil || claimed < reminderBatch {
			return total, err
		}
	}
}

func sendReminders(ctx context.Context, d *db.DB, base *url.URL, now time.Time) (int, int, error) {
	sent, claimed := 0, 0
	err := d.InTx(ctx, func(tx pgx.Tx) error {
		sent, claimed = 0, 0
		rows, err := tx.Query(ctx, claimRemindersSQL, now, reminderBatch)
		if err != nil {
			return db.Translate(err)
		}
		list, err := pgx.CollectRows(rows, pgx.RowToStructByName[reminderRow])
		if err != nil {
			return db.Translate(err)
		}
		claimed = len(list)
		for _, r := range list {
			if r.DueAt == nil || r.DueAt.Before(now.Add(-reminderStale)) {
				continue
			}
			loc, ok := auth.LoadZone(r.Zone)
			if !ok {
				loc = utc
			}
			e := reminderEmail{Name: r.AssigneeName, Type: r.TypeLabel, Subject: r.Subject, When: DueLabel(r.DueDate, r.DueAt, now, loc),
				Time: r.DueAt.In(loc).Format("15:04 MST"), Deal: r.DealTitle, Note: r.Note, Link: absolute(base, dealPath(r.DealID))}
			m, err := emails.Message("activity_reminder", r.Email, e)
			if err != nil {
				return err
			}
			if err := mail.Enqueue(ctx, tx, m); err != nil {
				return err
			}
			sent++
		}
		return nil
	})
	return sent, claimed, err
}
