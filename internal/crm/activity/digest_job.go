package activity

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/mail"
)

// DigestArgs is the periodic job that sends each rep the morning email of their day:
// overdue and today's activities, Monday to Friday from 08:00 in their zone
// (internal/server/jobs.go schedules it every minute).
type DigestArgs struct{}

// Kind names the job in River's tables.
func (DigestArgs) Kind() string { return "activity_digest" }

// DigestWorker runs SendDigests.
type DigestWorker struct {
	river.WorkerDefaults[DigestArgs]
	DB      *db.DB
	Log     *slog.Logger
	BaseURL *url.URL
	Now     func() time.Time // nil: the real clock
}

// Work sends the morning emails due; an error is retried by River, and what was sent
// before it stays sent, once.
func (w *DigestWorker) Work(ctx context.Context, _ *river.Job[DigestArgs]) error {
	now := time.Now()
	if w.Now != nil {
		now = w.Now()
	}
	n, err := SendDigests(ctx, w.DB, w.BaseURL, now)
	if n > 0 {
		w.Log.InfoContext(ctx, "sent morning emails of activities", "emails", n)
	}
	return err
}

// digestHour is when the morning email goes out, in each user's zone.
const digestHour = 8

// digestBatch bounds the users one pass looks at; the next minute's pass takes the rest.
const digestBatch = 500

// digestDueSQL is the users whose morning email is due at $1: active reps and admins
// who want it, on a working day at or after 08:00 in their zone, without a record of
// that day's email yet. Their local day comes along.
const digestDueSQL = `
SELECT u.id, u.name, u.email, u.time_zone, to_char(($1::timestamptz AT TIME ZONE u.time_zone)::date, 'YYYY-MM-DD') AS local_date
FROM "user" u
WHERE u.role IN ('sales', 'admin') AND NOT u.banned AND u.activity_digest
  AND extract(isodow FROM $1::timestamptz AT TIME ZONE u.time_zone) BETWEEN 1 AND 5
  AND ($1::timestamptz AT TIME ZONE u.time_zone)::time >= make_time($2, 0, 0)
  AND NOT EXISTS (SELECT 1 FROM activity_digests g
                  WHERE g.user_id = u.id AND g.local_date = ($1::timestamptz AT TIME ZONE u.time_zone)::date)
ORDER BY u.id
LIMIT $3`

// digestListSQL is a user's open activities due on their day $2 or before.
const digestListSQL = `
SELECT ` + plannedColumns + `
FROM (
    SELECT * FROM planned_activities p
    WHERE p.assignee_id = $1 AND p.done_at IS NULL AND p.due_date <= $2::date
    ORDER BY p.due_date, p.due_sort, p.id
    LIMIT $3
) p
` + plannedJoins + `
ORDER BY p.due_date, p.due_sort, p.id`

// claimDigestSQL records the user's email of the day: no row when another run (a
// replica, a retry) has recorded it already.
const claimDigestSQL = `
INSERT INTO activity_digests (user_id, local_date, activities) VALUES ($1, $2::date, $3)
ON CONFLICT (user_id, local_date) DO NOTHING`

// digestMax is how many activities one email lists.
const digestMax = 50

type digestUser struct {
	ID, Name, Email, Zone string
	Day                   string
}

// SendDigests sends the morning emails due at now and returns how many it queued.
// Each user's email is queued in the transaction that records it (activity_digests,
// claimed with ON CONFLICT DO NOTHING), so it goes out at most once per user and day
// whatever the number of replicas, retries and restarts, and a failure queues nothing.
// A user with nothing due gets no email; the day is recorded all the same.
func SendDigests(ctx context.Context, d *db.DB, base *url.URL, now time.Time) (int, error) {
	rows, err := d.Query(ctx, digestDueSQL, now, digestHour, digestBatch)
	if err != nil {
		return 0, db.Translate(err)
	}
	users, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (digestUser, error) {
		var u digestUser
		err := r.Scan(&u.ID, &u.Name, &u.Email, &u.Zone, &u.Day)
		return u, err
	})
	if err != nil {
		return 0, db.Translate(err)
	}
	sent := 0
	for _, u := range users {
		ok, err := sendDigest(ctx, d, base, now, u)
		if err != nil {
			return sent, fmt.Errorf("morning email of %s: %w", u.ID, err)
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

func sendDigest(ctx context.Context, d *db.DB, base *url.URL, now time.Time, u digestUser) (bool, error) {
	loc, ok := auth.LoadZone(u.Zone)
	if !ok {
		loc = utc
	}
	sent := false
	err := d.InTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, digestListSQL, u.ID, u.Day, digestMax+1)
		if err != nil {
			return db.Translate(err)
		}
		list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Planned])
		if err != nil {
			return db.Translate(err)
		}
		tag, err := tx.Exec(ctx, claimDigestSQL, u.ID, u.Day, len(list))
		if err != nil {
			return db.Translate(err)
		}
		if tag.RowsAffected() == 0 || len(list) == 0 {
			return nil // sent before, or nothing due
		}
		m, err := emails.Message("activity_digest", u.Email, digestOf(u, list, base, now, loc))
		if err != nil {
			return err
		}
		if err := mail.Enqueue(ctx, tx, m); err != nil {
			return err
		}
		sent = true
		return nil
	})
	return sent, err
}

func absolute(base *url.URL, path string) string {
	if base == nil {
		return path
	}
	return strings.TrimSuffix(base.String(), "/") + path
}

func digestOf(u digestUser, list []Planned, base *url.URL, now time.Time, loc *time.Location) digestEmail {
	today := Today(now, loc)
	e := digestEmail{Name: u.Name, Day: today.Format("Monday 2 January 2006"), Link: absolute(base, ListPath),
		Account: absolute(base, "/account")}
	if len(list) > digestMax {
		list, e.More = list[:digestMax], true
	}
	for _, p := range list {
		l := digestLine{When: DueLabel(p.DueDate, p.DueAt, now, loc), Type: p.TypeLabel, Subject: p.Subject,
			Deal: p.DealTitle, Link: absolute(base, dealPath(p.DealID))}
		if day(p.DueDate).Before(today) {
			e.Overdue = append(e.Overdue, l)
		} else {
			e.Today = append(e.Today, l)
		}
	}
	n := len(e.Overdue) + len(e.Today)
	e.Count, e.Plural, e.OverdueCount = strconv.Itoa(n), n != 1, len(e.Overdue)
	if e.More {
		e.Count += "+"
	}
	return e
}
