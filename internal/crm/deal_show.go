package crm

import (
	"context"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/crm/activity"
	"rapport/internal/db"
	"rapport/internal/form"
)

// TimelineEntry is one line of a deal's timeline: an activity or a stage change.
type TimelineEntry struct {
	Kind      string    `db:"kind"` // "activity" or "stage"
	ID        string    `db:"id"`
	Type      string    `db:"type"` // call, email or note (activities)
	Body      string    `db:"body"`
	FromStage Stage     `db:"from_stage"` // stage changes: the seeds' values
	ToStage   Stage     `db:"to_stage"`
	FromName  string    `db:"from_name"` // the stages' names when the deal moved ("" before 00050)
	ToName    string    `db:"to_name"`
	Reason    string    `db:"lost_reason"` // a move into lost: why
	Note      string    `db:"lost_note"`
	At        time.Time `db:"at"`
	ActorName string    `db:"actor_name"`
	// A log entry written by a planned activity (internal/crm/activity): "done" or
	// "reopened", and the activity type's label as it was; "" for the others.
	PlannedEvent string `db:"planned_event"`
	PlannedLabel string `db:"planned_label"`
}

// Each branch reads its own (deal_id, time) index backwards and stops at the limit;
// the merge then keeps the newest. The keyset (at, id) continues an older page.
const dealTimelineSQL = `
SELECT t.kind, t.id, t.type, t.body, t.from_stage, t.to_stage, t.from_name, t.to_name, t.lost_reason, t.lost_note,
       t.at, u.name AS actor_name, t.planned_event, t.planned_label
FROM (
    (SELECT 'activity' AS kind, a.id, a.type, coalesce(a.body, '') AS body, '' AS from_stage, '' AS to_stage,
            '' AS from_name, '' AS to_name, '' AS lost_reason, '' AS lost_note, a.occurred_at AS at, a.actor_id,
            coalesce(a.planned_event, '') AS planned_event, coalesce(a.planned_label, '') AS planned_label
     FROM activities a
     WHERE a.deal_id = $1 AND ($2::timestamptz IS NULL OR (a.occurred_at, a.id) < ($2, $3::uuid))
     ORDER BY a.occurred_at DESC, a.id DESC
     LIMIT $4)
    UNION ALL
    (SELECT 'stage', s.id, '', '', s.from_stage, s.to_stage, coalesce(s.from_name, ''), coalesce(s.to_name, ''),
            coalesce(s.lost_reason, ''), coalesce(s.lost_note, ''), s.changed_at, s.actor_id, '', ''
     FROM deal_stage_changes s
     WHERE s.deal_id = $1 AND ($2::timestamptz IS NULL OR (s.changed_at, s.id) < ($2, $3::uuid))
     ORDER BY s.changed_at DESC, s.id DESC
     LIMIT $4)
) t
JOIN "user" u ON u.id = t.actor_id
ORDER BY t.at DESC, t.id DESC
LIMIT $4`

// DealTimeline returns up to limit entries of the deal's activities and stage changes
// merged, newest first, before the entry at the cursor (its time and id); the zero
// Cursor starts at the newest.
func DealTimeline(ctx context.Context, q db.Querier, dealID string, before Cursor, limit int) ([]TimelineEntry, error) {
	at, id := before.keyArgs()
	rows, err := q.Query(ctx, dealTimelineSQL, dealID, at, id, limit)
	if err != nil {
		return nil, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[TimelineEntry])
	return list, db.Translate(err)
}

// dealShowRow is a deal with its pipeline's stages, for its page's stage control, and
// its open planned activities.
type dealShowRow struct {
	DealRow
	Stages  []PipelineStage    `db:"stages"`
	Planned []activity.Planned `db:"planned"`
	Fields  []CustomField      `db:"fields"`
	Custom  CustomValues       `db:"custom"`
}

// dealShowSQL is DealByID with the deal's pipeline's stages and its open planned
// activities, in one statement.
var dealShowSQL = `SELECT ` + dealRowColumns + `, ` + stagesOfSQL + ` AS stages, ` + activity.DealPlannedSQL + ` AS planned, ` +
	fieldsJSON("'deal'") + ` AS fields, ` + valuesJSON("d.id") + ` AS custom ` + dealRowJoins + ` WHERE d.id = $1`

// dealShow loads what the deal page shows of the deal: the deal, its pipeline's stages
// and its planned activities.
func dealShow(ctx context.Context, q db.Querier, id string) (*dealShowRow, error) {
	rows, err := q.Query(ctx, dealShowSQL, id)
	if err != nil {
		return nil, db.Translate(err)
	}
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[dealShowRow])
	return d, db.Translate(err)
}

// dealPage is what the deal page shows.
type dealPage struct {
	Deal      *DealRow
	Fields    []CustomField
	Custom    CustomValues
	Planned   []activity.Planned
	Moves     string // the stage control's options
	Timeline  []TimelineEntry
	Older     string // link to older entries, "" at the start
	Newest    bool   // the page starts at the newest entry
	CanChange bool
	Form      activityForm
	Now       time.Time
}

const timelinePage = 50

// DealShow is the deal page: details, the stage control, the log-an-activity form and
// the timeline (GET /crm/deals/{id}; ?before= pages back, a malformed one is a 400).
func (s *Service) DealShow(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	s.renderDeal(w, r, id, http.StatusOK, activityForm{Type: "call"})
}

func (s *Service) renderDeal(w http.ResponseWriter, r *http.Request, id string, status int, f activityForm) {
	ctx := r.Context()
	shown, err := dealShow(ctx, s.DB, id)
	var d *DealRow
	if err == nil {
		d = &shown.DealRow
	}
	if err == nil && status != http.StatusOK && !ActorFrom(ctx).CanChange(d.OwnerID) {
		err = ErrForbidden // a refused activity on someone else's deal
	}
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	cur, err := readCursor(r.URL.Query().Get("before"), "timestamptz")
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	entries, err := DealTimeline(ctx, s.DB, id, cur, timelinePage+1)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	p := dealPage{Deal: d, Fields: shown.Fields, Custom: shown.Custom, Planned: shown.Planned, Moves: stageSelect(shown.Stages, deref(d.StageID)),
		CanChange: ActorFrom(ctx).CanChange(d.OwnerID), Form: f, Now: time.Now(), Newest: cur.Key == nil}
	if p.Form.Errors == nil {
		p.Form.Errors = form.Errors{}
	}
	if p.Form.Key == "" {
		p.Form.Key = form.NewKey()
	}
	if len(entries) > timelinePage {
		entries = entries[:timelinePage]
		last := entries[len(entries)-1]
		if p.Older, err = withCursor(dealPath(id), nil, "before", Cursor{Key: last.At, ID: last.ID}); err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
	}
	p.Timeline = entries
	s.Pages.Render(w, r, status, d.Title, dealShowPage(p))
}
