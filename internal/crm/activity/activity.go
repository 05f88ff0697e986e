// Package activity is the CRM's planned activities: the calls, meetings, emails, tasks
// and deadlines a rep schedules on a deal, as Pipedrive has them. A planned activity has
// a type (admins add types), a subject, a day with an optional time and duration, an
// assignee and a note; its assignee, the deal's owner or an admin edits, reschedules,
// reassigns, completes, reopens or deletes it. Completing it appends an entry to the
// deal's append-only activity log, so the timeline shows it among the logged ones.
//
// Every change keeps the deal's next activity (deals.next_activity_date and
// next_activity_at) in the same transaction, under a lock on the deal, so the board's
// cards read it with the deal. "My activities" (/crm/activities) lists a rep's work by
// day; a morning email (digest_job.go), reminders before timed activities
// (reminder_job.go) and a calendar feed (calendar_feed.go) carry it outside Rapport.
//
// The package sits below internal/crm (which shows the deal page's planned activities
// and the cards' next activity) and never imports it.
package activity

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/httpx"
)

// Service holds what the activity pages need.
type Service struct {
	DB    *db.DB
	Pages *httpx.Pages
	Log   *slog.Logger
	// BaseURL is the public origin, for the calendar feed's address and its links.
	BaseURL *url.URL
	// Now is the clock ("today", "overdue"); nil is the real one.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// actor is the signed-in user a change is made for.
type actor struct {
	ID    string
	Admin bool
}

func actorFrom(ctx context.Context) actor {
	u := auth.UserFrom(ctx)
	if u == nil {
		return actor{}
	}
	return actor{ID: u.ID, Admin: u.Role == auth.RoleAdmin}
}

// mayChange reports whether the actor may change an activity: its assignee, the deal's
// owner or an admin. The stores decide in SQL (lockSQL); this is for showing controls.
func (a actor) mayChange(p Planned) bool {
	return a.Admin || (a.ID != "" && (a.ID == p.AssigneeID || a.ID == p.DealOwnerID))
}

// ErrForbidden means the activity (or the deal) exists but is not the actor's to change.
var ErrForbidden error = &httpx.PageError{Status: http.StatusForbidden, Heading: "That is not yours to change",
	Message: "Only the activity's assignee, the deal's owner or an admin can change a planned activity, and only the deal's owner or an admin can plan one on it."}

// Planned is a planned activity with the names around it. Its JSON names are its column
// names: the deal page reads a deal's planned activities as a JSON array (DealPlannedSQL).
type Planned struct {
	ID           string     `db:"id" json:"id"`
	DealID       string     `db:"deal_id" json:"deal_id"`
	DealTitle    string     `db:"deal_title" json:"deal_title"`
	DealOwnerID  string     `db:"deal_owner_id" json:"deal_owner_id"`
	ContactID    *string    `db:"contact_id" json:"contact_id"`
	ContactName  *string    `db:"contact_name" json:"contact_name"`
	Type         string     `db:"type" json:"type"`
	TypeLabel    string     `db:"type_label" json:"type_label"`
	Subject      string     `db:"subject" json:"subject"`
	Note         string     `db:"note" json:"note"`
	DueDate      time.Time  `db:"due_date" json:"due_date"` // midnight UTC of the day
	DueTime      string     `db:"due_time" json:"due_time"` // "14:30" in TimeZone, "" all day
	TimeZone     string     `db:"time_zone" json:"time_zone"`
	DueAt        *time.Time `db:"due_at" json:"due_at"`
	DueSort      time.Time  `db:"due_sort" json:"due_sort"`
	DurationMins *int       `db:"duration_mins" json:"duration_mins"`
	RemindMins   *int       `db:"remind_mins" json:"remind_mins"`
	AssigneeID   string     `db:"assignee_id" json:"assignee_id"`
	AssigneeName string     `db:"assignee_name" json:"assignee_name"`
	UpdatedAt    time.Time  `db:"updated_at" json:"updated_at"`
	DoneAt       *time.Time `db:"done_at" json:"done_at"`
	Version      int        `db:"version" json:"version"` // bumped by each edit (the edit form's check)
}

// plannedColumns fill a Planned from p (planned_activities), d (its deal), t (its type),
// u (its assignee) and c (its contact, left-joined). The day is a timestamptz at
// midnight UTC, so that it reads the same from a row and from JSON.
const plannedColumns = `p.id, p.deal_id, d.title AS deal_title, d.owner_id AS deal_owner_id,
	p.contact_id, coalesce(c.name, c.email) AS contact_name, p.type, t.label AS type_label,
	p.subject, p.note, (p.due_date::timestamp AT TIME ZONE 'UTC') AS due_date,
	coalesce(to_char(p.due_time, 'HH24:MI'), '') AS due_time, p.time_zone, p.due_at, p.due_sort,
	p.duration_mins, p.remind_mins, p.assignee_id, u.name AS assignee_name, p.updated_at, p.done_at, p.version`

// plannedJoins name the deal, type, assignee and contact of p.
const plannedJoins = `JOIN deals d ON d.id = p.deal_id
	JOIN activity_types t ON t.key = p.type
	JOIN "user" u ON u.id = p.assignee_id
	LEFT JOIN contacts c ON c.id = p.contact_id`

// DealPlannedSQL is a scalar subquery for a statement over deals d: the deal's open
// planned activities as a JSON array of Planned, soonest first, at most DealPlannedMax+1
// (one more says there are more). The deal page reads it with the deal.
const DealPlannedSQL = `(SELECT coalesce(json_agg(x ORDER BY x.due_date, x.due_sort, x.id), '[]') FROM (
    SELECT ` + plannedColumns + `
    FROM planned_activities p
    JOIN activity_types t ON t.key = p.type
    JOIN "user" u ON u.id = p.assignee_id
    LEFT JOIN contacts c ON c.id = p.contact_id
    WHERE p.deal_id = d.id AND p.done_at IS NULL
    ORDER BY p.due_date, p.due_sort, p.id
    LIMIT 21) x)`

// DealPlannedMax is how many open activities the deal page lists.
const DealPlannedMax = 20

// Path is an activity's edit page.
func editPath(id string) string { return "/crm/activities/" + url.PathEscape(id) + "/edit" }

func dealPath(id string) string { return "/crm/deals/" + url.PathEscape(id) }

// NewPath is the schedule form for a deal.
func NewPath(dealID string) string {
	return "/crm/activities/new?" + url.Values{"deal_id": {dealID}}.Encode()
}

// ListPath is "My activities".
const ListPath = "/crm/activities"

func queryEscape(s string) string { return url.QueryEscape(s) }
