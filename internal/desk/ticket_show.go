package desk

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/attach"
	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/desk/hours"
	"rapport/internal/form"
)

// deskTicket is a ticket as the desk shows it, with the facts its SLA clock needs.
type deskTicket struct {
	ID                string     `db:"id"`
	Subject           string     `db:"subject"`
	Status            Status     `db:"status"`
	Priority          Priority   `db:"priority"`
	Team              *string    `db:"team"`
	Version           int        `db:"version"`
	CreatedAt         time.Time  `db:"created_at"`
	UpdatedAt         time.Time  `db:"updated_at"`
	RequesterID       string     `db:"requester_id"`
	RequesterName     string     `db:"requester_name"`
	RequesterEmail    string     `db:"requester_email"`
	RequesterVerified bool       `db:"requester_verified"`
	AssigneeID        *string    `db:"assignee_id"`
	AssigneeName      *string    `db:"assignee_name"`
	UpdatedByName     *string    `db:"updated_by_name"`
	PolicyName        *string    `db:"policy_name"`
	FirstResponseMins *int       `db:"sla_first_response_mins"`
	ResolveMins       *int       `db:"sla_resolve_mins"`
	FirstResponseAt   *time.Time `db:"first_response_at"`
	SolvedAt          *time.Time `db:"solved_at"`
	PausedSince       *time.Time `db:"paused_since"`
	PausedSecs        int        `db:"paused_secs"`
	// The policy's business hours (all nil: it runs 24/7).
	CalendarName     *string     `db:"calendar_name"`
	CalendarZone     *string     `db:"calendar_zone"`
	CalendarWeek     *weekJSON   `db:"calendar_week"`
	CalendarHolidays []time.Time `db:"calendar_holidays"`
	// cal and pausedBusiness are the calendar and the business time of the completed
	// pauses, set once the status history is read (withHours).
	cal            *hours.Calendar
	pausedBusiness time.Duration
}

// withHours sets the ticket's business hours, if its policy has them, and its completed
// pauses in business time from its status history.
func (t *deskTicket) withHours(history []StatusChange) {
	if t.CalendarZone == nil || t.CalendarWeek == nil {
		return
	}
	t.cal = BusinessCalendar{Zone: *t.CalendarZone, Week: *t.CalendarWeek, Holidays: t.CalendarHolidays}.Hours()
	t.pausedBusiness = businessPaused(t.cal, history, t.PausedSecs)
}

// clockFacts is what the SLA clock of a ticket row is computed from.
type clockFacts struct {
	CreatedAt         time.Time
	Status            Status
	FirstResponseMins *int
	ResolveMins       *int
	FirstResponseAt   *time.Time
	SolvedAt          *time.Time
	PausedSince       *time.Time
	PausedSecs        int
}

func (f clockFacts) input() ClockInput {
	in := ClockInput{CreatedAt: f.CreatedAt, Status: f.Status, FirstResponseAt: f.FirstResponseAt,
		SolvedAt: f.SolvedAt, PausedSince: f.PausedSince, PausedBefore: time.Duration(f.PausedSecs) * time.Second}
	if f.FirstResponseMins != nil && f.ResolveMins != nil {
		in.FirstResponseMins, in.ResolveMins = *f.FirstResponseMins, *f.ResolveMins
	}
	return in
}

func (t deskTicket) clockInput() ClockInput {
	in := clockFacts{t.CreatedAt, t.Status, t.FirstResponseMins, t.ResolveMins,
		t.FirstResponseAt, t.SolvedAt, t.PausedSince, t.PausedSecs}.input()
	in.Calendar, in.PausedBusiness = t.cal, t.pausedBusiness
	return in
}

func (t deskTicket) clock(now time.Time) Clock { return Compute(t.clockInput(), now) }

// The agent's ticket page in one statement (the CRM's side panel aside): the ticket, and
// as JSON arrays its whole thread, internal notes included (for the desk only), its
// status history, the agents it can go to, the requester's latest tickets, its merge and
// split links, its latest rating, the macros viewer ($3) may apply and the one chosen
// ($4, NULL for none). Each
// array is one index scan (idx_message_ticket, idx_status_change_ticket,
// idx_ticket_requester) or the short agents list; the database's now() dates the SLA
// states of the latest tickets, as TicketsForEmail does.
var deskTicketSQL = `
SELECT t.id, t.subject, t.status, t.priority, t.team, t.version, t.created_at, t.updated_at,
       t.requester_id, r.name AS requester_name, r.email AS requester_email, r.email_verified AS requester_verified,
       t.assignee_id, a.name AS assignee_name, ub.name AS updated_by_name,
       p.name AS policy_name, t.sla_first_response_mins, t.sla_resolve_mins,
       t.first_response_at, t.solved_at, t.paused_since, t.paused_secs,
       bc.name AS calendar_name, bc.zone AS calendar_zone, bc.week AS calendar_week, bc.holidays AS calendar_holidays,
       coalesce((SELECT json_agg(m ORDER BY m.created_at, m.id) FROM (
           SELECT m.id, m.author_id, u.name AS author_name, m.body, m.is_internal, m.macro_name,
                  m.author_id <> t.requester_id AS from_staff, m.created_at,
                  coalesce((SELECT json_agg(json_build_object('id', f.id, 'name', f.name, 'size', f.size) ORDER BY f.created_at, f.id)
                           FROM attachments f WHERE f.message_id = m.id), '[]') AS files
           FROM ticket_messages m
           JOIN "user" u ON u.id = m.author_id
           WHERE m.ticket_id = $1) m), '[]') AS thread,
       coalesce((SELECT json_agg(h ORDER BY h.created_at, h.id) FROM (
           SELECT c.id, u.name AS actor_name, c.from_status, c.to_status, c.created_at
           FROM ticket_status_changes c
           JOIN "user" u ON u.id = c.actor_id
           WHERE c.ticket_id = $1) h), '[]') AS history,
       coalesce((SELECT json_agg(h ORDER BY h.created_at, h.id) FROM (` + assignmentHistorySQL + `) h), '[]') AS assignments,
       coalesce((SELECT json_agg(g ORDER BY g.name, g.id) FROM (` + agentsSQL + `) g), '[]') AS agents,
       coalesce((SELECT json_agg(x ORDER BY x.created_at DESC, x.id DESC) FROM (
           SELECT ` + summaryColumns + `
           FROM tickets t
           WHERE t.requester_id = r.id
           ORDER BY t.created_at DESC, t.id DESC
           LIMIT $2) x), '[]') AS recent,
       t.merged_into, t.split_from,
       coalesce((SELECT json_agg(l ORDER BY l.created_at, l.id) FROM (
           SELECT l.id, l.kind, l.other_id, l.other_ref, u.name AS actor_name, l.created_at
           FROM ticket_links l
           LEFT JOIN "user" u ON u.id = l.actor_id
           WHERE l.ticket_id = $1) l), '[]') AS links,
       (SELECT row_to_json(x) FROM (
           SELECT g.rating, g.comment, g.rated_at, g.solved_at
           FROM ticket_ratings g WHERE g.ticket_id = $1
           ORDER BY g.solved_at DESC LIMIT 1) x) AS rating,
       ` + macroChoicesSQL("$3") + ` AS macros,
       (SELECT row_to_json(x) FROM (
           SELECT m.id, m.name, m.body, m.status, m.priority, m.assignee_id, m.team, m.tags
           FROM macros m
           WHERE m.id = $4::uuid AND (m.owner_id IS NULL OR m.owner_id = $3)) x) AS macro,
       ` + ticketTagsSQL + ` AS tags
FROM tickets t
JOIN "user" r ON r.id = t.requester_id
LEFT JOIN "user" a ON a.id = t.assignee_id
LEFT JOIN "user" ub ON ub.id = t.updated_by
LEFT JOIN sla_policies p ON p.id = t.sla_policy_id
LEFT JOIN business_calendars bc ON bc.id = p.calendar_id
WHERE t.id = $1`

// recentTickets is how many of the requester's latest tickets the page reads: the side
// panel shows five besides this one.
const recentTickets = 6

// deskTicketData is the ticket page's statement read: the ticket and its arrays.
type deskTicketData struct {
	deskTicket
	Thread  []Message      `db:"thread"`
	History []StatusChange `db:"history"`
	// Assignments is the assignment history (ticket_assign.go).
	Assignments []assignmentChange `db:"assignments"`
	Agents      []agent            `db:"agents"`
	Recent      []summaryRow       `db:"recent"`
	// MergedInto and SplitFrom are the tickets this one went into or came out of.
	MergedInto *string       `db:"merged_into"`
	SplitFrom  *string       `db:"split_from"`
	Links      []ticketLink  `db:"links"`
	Rating     *ticketRating `db:"rating"`
	Macros     []macroChoice `db:"macros"`
	Macro      *macroApplied `db:"macro"`
	Tags       []Tag         `db:"tags"`
}

// loadDeskTicket reads ticket id with its whole thread, status history, the agents and
// the requester's latest tickets, in one statement.
func loadDeskTicket(ctx context.Context, q db.Querier, id string) (deskTicketData, error) {
	return loadDeskTicketFor(ctx, q, id, "", nil)
}

// loadDeskTicketFor is loadDeskTicket with the macros viewer may apply and, when macroID
// is set, that macro (nil in Macro when viewer may not see it).
func loadDeskTicketFor(ctx context.Context, q db.Querier, id, viewer string, macroID *string) (deskTicketData, error) {
	rows, err := q.Query(ctx, deskTicketSQL, id, recentTickets, viewer, macroID)
	if err != nil {
		return deskTicketData{}, db.Translate(err)
	}
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[deskTicketData])
	return d, db.Translate(err)
}

// deskTicketView is the agent's ticket page.
type deskTicketView struct {
	Ticket  deskTicket
	Thread  []Message
	History []StatusChange
	// Assignments is who gave the ticket to whom, and why.
	Assignments []assignmentChange
	Clock       Clock
	Pauses      []PauseTotal
	Agents      []agent
	Teams       []string
	Recent      []TicketSummary
	CRM         *CRMContext
	HasCRM      bool // the CRM is wired in
	CRMDown     bool
	Now         time.Time
	Me          string
	Form        ticketForm
	Problem     string
	// Stale says who changed the ticket since the form was loaded; nothing was posted.
	Stale string
	// Limits are the attachment limits the form states.
	Limits attach.Limits
	// Macros are the macros the agent may apply; Macro names the one applied to the
	// form ("" for none) and MacroNote says what of it could not be preset.
	Macros    []macroChoice
	Macro     string
	MacroNote string
	// MergedInto, SplitFrom and Links are the ticket's merges and splits; Rating its
	// latest satisfaction rating (nil for none asked).
	MergedInto *string
	SplitFrom  *string
	Links      []ticketLink
	Rating     *ticketRating
	// Merge is the merge step's state when the agent is merging this ticket.
	Merge *mergeView
	// Tags are the ticket's tags; TagName and TagError the tag form after a refusal.
	Tags     []Tag
	TagName  string
	TagError string
}

// TicketShow shows a ticket to the desk: the thread with internal notes marked, the SLA
// clock explained, the requester's context, and the one form that replies, notes and
// changes the ticket (GET /desk/tickets/{id}). Two statements: the desk's, then the
// CRM's side panel (none for a requester whose address is unverified).
func (s *Service) TicketShow(w http.ResponseWriter, r *http.Request) {
	s.renderDeskTicket(w, r, http.StatusOK, deskTicketView{}, false)
}

// renderDeskTicket loads the {id} ticket into v and renders it. With keepForm, v.Form
// holds what the agent typed (after an error) and only its version is refreshed.
func (s *Service) renderDeskTicket(w http.ResponseWriter, r *http.Request, status int, v deskTicketView, keepForm bool) {
	ctx := r.Context()
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	me := auth.UserFrom(ctx)
	var macroID *string
	if keepForm && v.Form.MacroID != "" {
		macroID = &v.Form.MacroID
	} else if q := r.URL.Query().Get("macro"); !keepForm && q != "" {
		if !db.ValidUUID(q) {
			s.Pages.Error(w, r, http.StatusBadRequest)
			return
		}
		macroID = &q
	}
	d, err := loadDeskTicketFor(ctx, s.DB, id, me.ID, macroID)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	t, msgs := d.deskTicket, d.Thread
	t.withHours(d.History)
	v.Now, v.Me, v.Limits = s.now(), me.ID, s.Attachments
	v.Macros, v.MergedInto, v.SplitFrom, v.Links, v.Rating = d.Macros, d.MergedInto, d.SplitFrom, d.Links, d.Rating
	v.Ticket, v.Thread, v.History, v.Assignments, v.Tags = t, msgs, d.History, d.Assignments, d.Tags
	v.Clock, v.Pauses = t.clock(v.Now), PausesIn(t.cal, Timeline(d.History), v.Now)
	v.Agents, v.Teams = d.Agents, teamsOf(d.Agents, deref(t.Team))
	for _, rt := range d.Recent {
		if rt.ID != t.ID && len(v.Recent) < recentTickets-1 {
			v.Recent = append(v.Recent, rt.summary())
		}
	}
	// The CRM knows people by address, and anyone can sign up with any address: a
	// requester is shown as the CRM's contact only once they have proven it is theirs.
	if v.HasCRM = s.CRM != nil; v.HasCRM && t.RequesterVerified {
		v.CRM, err = s.CRM(ctx, t.RequesterEmail)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			// The side panel is context, not the page: log it and show the rest.
			s.Log.WarnContext(ctx, "desk: CRM context", "err", err)
			v.CRM, v.CRMDown = nil, true
		}
	}
	if keepForm {
		v.Form.Version = t.Version
	} else {
		v.Form = ticketForm{Status: t.Status, Priority: t.Priority, AssigneeID: deref(t.AssigneeID),
			Team: deref(t.Team), Version: t.Version}
	}
	switch {
	case macroID != nil && d.Macro == nil && !keepForm:
		status = http.StatusNotFound
		v.Problem = "That macro does not exist any more, or it is someone else's personal macro."
	case d.Macro != nil && keepForm:
		v.Macro = d.Macro.Name
	case d.Macro != nil:
		v.Macro = d.Macro.Name
		v.MacroNote = d.Macro.applyTo(&v.Form, t, me.Name)
	}
	if v.Form.Key == "" {
		v.Form.Key = form.NewKey()
	}
	if v.Stale != "" {
		v.Stale = staleMessage(t, msgs, v.Now)
	}
	s.Pages.Render(w, r, status, t.Subject, deskTicketPage(v))
}

// staleMessage says who changed t last and how, for an agent whose form is out of date.
func staleMessage(t deskTicket, msgs []Message, now time.Time) string {
	who, what := derefOr(t.UpdatedByName, "Someone"), "updated this ticket"
	for i := len(msgs) - 1; i >= 0; i-- {
		if m := msgs[i]; m.CreatedAt.Equal(t.UpdatedAt) {
			who, what = m.AuthorName, "replied"
			if m.IsInternal {
				what = "added an internal note"
			}
			break
		}
	}
	return who + " " + what + " " + ago(now, t.UpdatedAt) + " — review before sending. Nothing was posted; your draft is kept below."
}
