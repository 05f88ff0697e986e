package activity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// A rep's planned activities as an iCalendar feed (RFC 5545), for Google Calendar or
// Outlook to subscribe to: GET /calendar/{secret}.ics, without a session, answered only
// for that secret. The secret is 256 random bits; only its SHA-256 is stored, so it is
// shown once, when made, and a new one (rotating) ends the old.

// feedTokenLen is the length of a secret in its link (base64url of 32 bytes).
const feedTokenLen = 43

// feedDays is how far back the feed reaches for done activities.
const feedDays = 30

func newFeedToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func feedHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

const rotateFeedSQL = `
INSERT INTO calendar_feeds (user_id, token_hash) VALUES ($1, $2)
ON CONFLICT (user_id) DO UPDATE SET token_hash = EXCLUDED.token_hash, created_at = now()`

// RotateFeed gives the user a new feed secret, ending the old one, and returns it.
func RotateFeed(ctx context.Context, q db.Querier, userID string) (string, error) {
	token := newFeedToken()
	_, err := q.Exec(ctx, rotateFeedSQL, userID, feedHash(token))
	return token, db.Translate(err)
}

const deleteFeedSQL = `DELETE FROM calendar_feeds WHERE user_id = $1`

// DeleteFeed ends the user's feed.
func DeleteFeed(ctx context.Context, q db.Querier, userID string) error {
	_, err := q.Exec(ctx, deleteFeedSQL, userID)
	return db.Translate(err)
}

const feedSinceSQL = `SELECT created_at FROM calendar_feeds WHERE user_id = $1`

// feedSince is when the user's feed secret was made; nil when they have none.
func feedSince(ctx context.Context, q db.Querier, userID string) (*time.Time, error) {
	var t time.Time
	err := q.QueryRow(ctx, feedSinceSQL, userID).Scan(&t)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, db.Translate(err)
	}
	return &t, nil
}

// feedSQL is a feed in one statement: the user of the secret ($1, its hash), still an
// active rep or admin, with their open activities and those done in the last feedDays
// days ($2 the earliest done time), soonest first, at most 1000 of each; each deal's title
// is a lookup by its key (a subquery: a join would rather read every deal when a rep has
// hundreds of activities) (a LEFT JOIN: a feed with nothing
// planned still has its row, with NULLs).
const feedSQL = `
WITH f AS (
    SELECT u.id, u.name FROM calendar_feeds cf JOIN "user" u ON u.id = cf.user_id
    WHERE cf.token_hash = $1 AND NOT u.banned AND u.role IN ('sales', 'admin')
)
SELECT f.name AS owner_name, x.*
FROM f LEFT JOIN LATERAL (
    (SELECT p.id, p.subject, p.note, t.label AS type_label, (SELECT d.title FROM deals d WHERE d.id = p.deal_id) AS deal_title,
            p.deal_id, p.due_date::timestamp AT TIME ZONE 'UTC' AS due_date, p.due_at, p.duration_mins, p.updated_at, p.done_at
     FROM planned_activities p JOIN activity_types t ON t.key = p.type
     WHERE p.assignee_id = f.id AND p.done_at IS NULL
     ORDER BY p.due_date, p.due_sort, p.id LIMIT 1000)
    UNION ALL
    (SELECT p.id, p.subject, p.note, t.label, (SELECT d.title FROM deals d WHERE d.id = p.deal_id),
            p.deal_id, p.due_date::timestamp AT TIME ZONE 'UTC', p.due_at, p.duration_mins, p.updated_at, p.done_at
     FROM planned_activities p JOIN activity_types t ON t.key = p.type
     WHERE p.assignee_id = f.id AND p.done_at IS NOT NULL AND p.done_at >= $2
     ORDER BY p.done_at DESC, p.id DESC LIMIT 1000)
) x ON true`

type feedRow struct {
	OwnerName    string     `db:"owner_name"`
	ID           *string    `db:"id"`
	Subject      *string    `db:"subject"`
	Note         *string    `db:"note"`
	TypeLabel    *string    `db:"type_label"`
	DealTitle    *string    `db:"deal_title"`
	DealID       *string    `db:"deal_id"`
	DueDate      *time.Time `db:"due_date"`
	DueAt        *time.Time `db:"due_at"`
	DurationMins *int       `db:"duration_mins"`
	UpdatedAt    *time.Time `db:"updated_at"`
	DoneAt       *time.Time `db:"done_at"`
}

// Feed is the calendar of the feed whose secret is token; db.ErrNotFound for any other
// token (unknown, rotated away, or its user no longer a rep).
func Feed(ctx context.Context, q db.Querier, token, base string, now time.Time) (string, error) {
	rows, err := q.Query(ctx, feedSQL, feedHash(token), now.AddDate(0, 0, -feedDays))
	if err != nil {
		return "", db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[feedRow])
	if err != nil {
		return "", db.Translate(err)
	}
	if len(list) == 0 {
		return "", db.ErrNotFound
	}
	var events []icalEvent
	for _, r := range list {
		if r.ID == nil {
			continue
		}
		summary := *r.TypeLabel + ": " + *r.Subject
		if r.DoneAt != nil {
			summary = "✓ " + summary
		}
		desc := "Deal: " + *r.DealTitle
		if *r.Note != "" {
			desc += "\n\n" + *r.Note
		}
		e := icalEvent{UID: *r.ID + "@rapport", Summary: summary, Description: desc, URL: base + dealPath(*r.DealID),
			Stamp: *r.UpdatedAt, Date: *r.DueDate, At: r.DueAt}
		if r.DurationMins != nil {
			e.Minutes = *r.DurationMins
		}
		events = append(events, e)
	}
	return calendar("Rapport: "+list[0].OwnerName, events), nil
}

// validFeedToken reports whether s could be a secret we made.
func validFeedToken(s string) bool {
	if len(s) != feedTokenLen {
		return false
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil
}

// CalendarFeed answers a calendar's poll (GET /calendar/{token}, the token ending in
// .ics): the feed, or 404 for any other secret. No session: the secret is the access.
func (s *Service) CalendarFeed(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimSuffix(chi.URLParam(r, "token"), ".ics")
	if !validFeedToken(token) {
		s.Pages.Error(w, r, http.StatusNotFound)
		return
	}
	body, err := Feed(r.Context(), s.DB, token, strings.TrimSuffix(s.BaseURL.String(), "/"), s.now())
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Disposition", `inline; filename="rapport.ics"`)
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(body))
	}
}

// feedView is the calendar feed page.
type feedView struct {
	Since *time.Time // when the current secret was made; nil: no feed
	URL   string     // the new feed's address, shown once, right after it is made
}

// CalendarShow is the calendar feed page (GET /crm/activities/calendar): whether the
// viewer has a feed, and the buttons that make a new address or end it.
func (s *Service) CalendarShow(w http.ResponseWriter, r *http.Request) {
	since, err := feedSince(r.Context(), s.DB, actorFrom(r.Context()).ID)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Calendar feed", calendarPage(feedView{Since: since}))
}

// CalendarRotate makes the viewer a new feed address, ending any old one (POST
// /crm/activities/calendar), and shows it: the only time it is shown.
func (s *Service) CalendarRotate(w http.ResponseWriter, r *http.Request) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	token, err := RotateFeed(r.Context(), s.DB, actorFrom(r.Context()).ID)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	now := s.now()
	url := strings.TrimSuffix(s.BaseURL.String(), "/") + "/calendar/" + token + ".ics"
	s.Pages.Render(w, r, http.StatusOK, "Calendar feed", calendarPage(feedView{Since: &now, URL: url}))
}

// CalendarDelete ends the viewer's feed (POST /crm/activities/calendar/delete).
func (s *Service) CalendarDelete(w http.ResponseWriter, r *http.Request) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	if err := DeleteFeed(r.Context(), s.DB, actorFrom(r.Context()).ID); err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "Your calendar feed is turned off: its address no longer works.")
	http.Redirect(w, r, "/crm/activities/calendar", http.StatusSeeOther)
}
