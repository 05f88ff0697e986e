package desk

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// A saved view is the queue's filters and sort under a name: the agent's own, or shared
// with every agent. Anyone at the desk may share one; only its creator or an admin
// edits or deletes it.

// maxSavedViews is how many saved views the queue lists (own first, then shared).
const maxSavedViews = 50

// maxViewName is the longest view name.
const maxViewName = 80

// savedView is a desk_views row, with its count in the queue's facets.
type savedView struct {
	ID           string  `json:"id"`
	Name         string  `json:"name"`
	Shared       bool    `json:"shared"`
	OwnerID      string  `json:"owner_id"`
	Status       Status  `json:"status"`
	Priority     *string `json:"priority"`
	Team         *string `json:"team"`
	NoTeam       bool    `json:"no_team"`
	Assignee     string  `json:"assignee"`
	DueSoon      bool    `json:"due_soon"`
	SolvedRecent bool    `json:"solved_recent"`
	Sort         string  `json:"sort"`
	Version      int     `json:"version"`
	Count        int     `json:"count"`
}

// editableBy reports whether u may change or delete the view: its creator or an admin.
func (v savedView) editableBy(u *auth.User) bool {
	return v.OwnerID == u.ID || u.Role == auth.RoleAdmin
}

// query is the view's filters as the queue's query string.
func (v savedView) query() url.Values {
	q := url.Values{}
	q.Set("status", string(v.Status))
	if v.Priority != nil {
		q.Set("priority", *v.Priority)
	}
	switch {
	case v.NoTeam:
		q.Set("team", "_none")
	case v.Team != nil:
		q.Set("team", *v.Team)
	}
	if v.Assignee != "" {
		q.Set("assignee", v.Assignee)
	}
	if v.DueSoon {
		q.Set("due", "soon")
	}
	if v.SolvedRecent {
		q.Set("solved", "7d")
	}
	if v.Sort != "" {
		q.Set("sort", v.Sort)
	}
	return q
}

// url is the queue showing the view.
func (v savedView) url() string {
	q := v.query()
	q.Set("saved", v.ID)
	return "/desk?" + q.Encode()
}

// viewForm saves a view: its name, whether it is shared, and its filters as the queue's
// query string names them.
type viewForm struct {
	ID, Name                                      string
	Shared                                        bool
	Status, Priority, Team, Assignee, Due, Solved string
	Sort                                          string
	Version                                       int
	Errors                                        form.Errors
	Key                                           form.Key
	// Problem is a message above the form (a conflict).
	Problem string
}

// viewFormFrom is the "Save this view" form for the queue's current filters.
func viewFormFrom(f QueueFilter, query url.Values) viewForm {
	return viewForm{Status: string(f.Status), Priority: query.Get("priority"), Team: query.Get("team"),
		Assignee: query.Get("assignee"), Due: query.Get("due"), Solved: query.Get("solved"), Sort: query.Get("sort"),
		Errors: form.Errors{}}
}

func parseViewForm(r *http.Request) viewForm {
	f := viewForm{Name: form.Text(r, "name"), Shared: r.PostFormValue("shared") != "",
		Status: r.PostFormValue("status"), Priority: r.PostFormValue("priority"), Team: form.Text(r, "team"),
		Assignee: r.PostFormValue("assignee"), Due: r.PostFormValue("due"), Solved: r.PostFormValue("solved"),
		Sort: r.PostFormValue("sort"), Errors: form.Errors{}}
	f.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	f.Key, _ = form.KeyFrom(r)
	return f
}

// Validate fills f.Errors: the filters must be ones the queue knows.
func (f *viewForm) Validate() {
	f.Errors = form.Errors{}
	form.Required(f.Errors, "name", f.Name, "Name", maxViewName)
	if !Status(f.Status).Valid() {
		f.Errors.Add("status", "Choose one of the statuses.")
	}
	if f.Priority != "" && !Priority(f.Priority).Valid() {
		f.Errors.Add("priority", "Choose one of the priorities, or any.")
	}
	if f.Team != "" && f.Team != "_none" {
		if msg := form.Check(f.Team, maxTeam, false); msg != "" {
			f.Errors.Add("team", msg)
		}
	}
	if f.Assignee != "" && f.Assignee != "mine" && f.Assignee != "none" {
		f.Errors.Add("assignee", "Choose anyone, mine or unassigned.")
	}
	if f.Due != "" && f.Due != "soon" {
		f.Errors.Add("due", "Choose any deadline, or breaching soon.")
	}
	if f.Solved != "" && f.Solved != "7d" {
		f.Errors.Add("solved", "Choose any time, or the last 7 days.")
	}
	if f.Sort != "" && f.Sort != "updated" {
		f.Errors.Add("sort", "Choose urgency or last update.")
	}
}

// row is the form as the desk_views columns hold it.
func (f viewForm) row() savedView {
	v := savedView{ID: f.ID, Name: f.Name, Shared: f.Shared, Status: Status(f.Status), Assignee: f.Assignee,
		DueSoon: f.Due == "soon", SolvedRecent: f.Solved == "7d", Sort: f.Sort, Version: f.Version}
	if f.Priority != "" {
		v.Priority = &f.Priority
	}
	switch f.Team {
	case "":
	case "_none":
		v.NoTeam = true
	default:
		v.Team = &f.Team
	}
	return v
}

// viewFormOf is the edit form of v.
func viewFormOf(v savedView) viewForm {
	q := v.query()
	return viewForm{ID: v.ID, Name: v.Name, Shared: v.Shared, Status: string(v.Status), Priority: q.Get("priority"),
		Team: q.Get("team"), Assignee: v.Assignee, Due: q.Get("due"), Solved: q.Get("solved"), Sort: v.Sort,
		Version: v.Version, Errors: form.Errors{}}
}

// The form's key is claimed in the same statement (form.Claim).
const createViewSQL = `
WITH claim AS (
    INSERT INTO form_submission (user_id, key, redirect_to)
    SELECT $2, $13, $14 WHERE $13 <> ''
    ON CONFLICT (user_id, key) DO NOTHING RETURNING true
)
INSERT INTO desk_views (id, owner_id, name, shared, status, priority, team, no_team, assignee, due_soon, solved_recent, sort)
SELECT $1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12
WHERE $13 = '' OR EXISTS (SELECT FROM claim)
RETURNING id`

// createView saves v as owner's; a repeat of the claim's key creates nothing and returns
// a *form.Repeat.
func createView(ctx context.Context, q db.Querier, claim form.Claim, owner string, v savedView) error {
	var id string
	err := q.QueryRow(ctx, createViewSQL, v.ID, owner, v.Name, v.Shared, v.Status, v.Priority, v.Team, v.NoTeam,
		v.Assignee, v.DueSoon, v.SolvedRecent, v.Sort, string(claim.Key), claim.To).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return claim.Repeated(ctx, q)
	}
	return db.Translate(err)
}

// viewSQL loads a view the agent $2 sees: their own or a shared one.
const viewSQL = `
SELECT id, name, shared, owner_id, status, priority, team, no_team, assignee, due_soon, solved_recent, sort, version
FROM desk_views WHERE id = $1 AND (owner_id = $2 OR shared)`

func loadView(ctx context.Context, q db.Querier, id, me string) (savedView, error) {
	var v savedView
	err := q.QueryRow(ctx, viewSQL, id, me).Scan(&v.ID, &v.Name, &v.Shared, &v.OwnerID, &v.Status, &v.Priority,
		&v.Team, &v.NoTeam, &v.Assignee, &v.DueSoon, &v.SolvedRecent, &v.Sort, &v.Version)
	return v, db.Translate(err)
}

// The update checks the version and who may edit in its WHERE; nothing updated is
// told apart afterwards (loadView: gone, not theirs, or stale).
const updateViewSQL = `
UPDATE desk_views SET name = $4, shared = $5, status = $6, priority = $7, team = $8, no_team = $9,
    assignee = $10, due_soon = $11, solved_recent = $12, sort = $13, version = version + 1, updated_at = now()
WHERE id = $1 AND version = $2 AND (owner_id = $3 OR (shared AND $14))`

// errForbidden means the view is not the agent's to change.
var errForbidden = errors.New("not yours to change")

// updateView saves v over the view at v.Version as u: ErrStale when it changed since,
// errForbidden when u may not edit it, ErrNotFound when u cannot see it.
func updateView(ctx context.Context, q db.Querier, u *auth.User, v savedView) error {
	tag, err := q.Exec(ctx, updateViewSQL, v.ID, v.Version, u.ID, v.Name, v.Shared, v.Status, v.Priority, v.Team,
		v.NoTeam, v.Assignee, v.DueSoon, v.SolvedRecent, v.Sort, u.Role == auth.RoleAdmin)
	if err != nil {
		return db.Translate(err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	return whyNot(ctx, q, u, v.ID)
}

// whyNot tells why a change to view id by u changed nothing.
func whyNot(ctx context.Context, q db.Querier, u *auth.User, id string) error {
	cur, err := loadView(ctx, q, id, u.ID)
	if err != nil {
		return err
	}
	if !cur.editableBy(u) {
		return errForbidden
	}
	return ErrStale
}

const deleteViewSQL = `DELETE FROM desk_views WHERE id = $1 AND (owner_id = $2 OR (shared AND $3))`

func deleteView(ctx context.Context, q db.Querier, u *auth.User, id string) error {
	tag, err := q.Exec(ctx, deleteViewSQL, id, u.ID, u.Role == auth.RoleAdmin)
	if err != nil {
		return db.Translate(err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	if err := whyNot(ctx, q, u, id); !errors.Is(err, ErrStale) {
		return err
	}
	return nil
}

// ViewCreate saves the queue's current filters as a view (POST /desk/views) and shows it.
func (s *Service) ViewCreate(w http.ResponseWriter, r *http.Request) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	key, ok := s.Pages.FormKey(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	me := auth.UserFrom(ctx)
	f := parseViewForm(r)
	f.Key = key
	f.Validate()
	if !f.Errors.OK() {
		// The queue as it was, when its filters were valid; else the open tickets.
		qf, query, ok := parseQueueQuery(f.row().query(), me.ID, myTeam(me))
		if !ok {
			qf, query, _ = parseQueueQuery(url.Values{}, me.ID, myTeam(me))
		}
		s.renderQueue(w, r, http.StatusUnprocessableEntity, qf, query, f)
		return
	}
	v := f.row()
	v.ID = db.NewUUID()
	claim := form.Claim{UserID: me.ID, Key: key, To: v.url()}
	err := createView(ctx, s.DB, claim, me.ID, v)
	if s.Pages.Repeated(w, r, err) {
		return
	}
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Flash(w, r, "success", "View “"+v.Name+"” saved.")
	httpx.Redirect(w, r, v.url())
}

// ViewEdit shows a saved view's form (GET /desk/views/{id}): its owner or an admin may
// change or delete it.
func (s *Service) ViewEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	me := auth.UserFrom(ctx)
	v, err := loadView(ctx, s.DB, id, me.ID)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	if !v.editableBy(me) {
		s.Pages.Error(w, r, http.StatusForbidden)
		return
	}
	s.renderViewEdit(w, r, http.StatusOK, viewFormOf(v))
}

func (s *Service) renderViewEdit(w http.ResponseWriter, r *http.Request, status int, f viewForm) {
	teams, err := listTeams(r.Context(), s.DB)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Render(w, r, status, "Edit view", viewEditPage(f, teams))
}

const listTeamsSQL = teamsSQL

// listTeams is the teams (teamsSQL).
func listTeams(ctx context.Context, q db.Querier) ([]string, error) {
	rows, err := q.Query(ctx, listTeamsSQL)
	if err != nil {
		return nil, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return list, db.Translate(err)
}

// ViewUpdate changes a saved view (POST /desk/views/{id}), at the version the form was
// loaded at (409 otherwise).
func (s *Service) ViewUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	if !s.Pages.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	me := auth.UserFrom(ctx)
	f := parseViewForm(r)
	f.ID = id
	f.Validate()
	if !f.Errors.OK() {
		s.renderViewEdit(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	v := f.row()
	err := updateView(ctx, s.DB, me, v)
	switch {
	case errors.Is(err, errForbidden):
		s.Pages.Error(w, r, http.StatusForbidden)
	case errors.Is(err, ErrStale):
		f.Problem = "Someone changed this view after you opened it. Your changes are below: open the view again to see theirs, or save to replace them."
		if cur, err := loadView(ctx, s.DB, id, me.ID); err == nil {
			f.Version = cur.Version
		}
		s.renderViewEdit(w, r, http.StatusConflict, f)
	case err != nil:
		s.Pages.Fail(w, r, err)
	default:
		s.Pages.Flash(w, r, "success", "View “"+v.Name+"” saved.")
		httpx.Redirect(w, r, v.url())
	}
}

// ViewDelete deletes a saved view (POST /desk/views/{id}/delete); deleting one already
// gone is done.
func (s *Service) ViewDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	if !s.Pages.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	err := deleteView(ctx, s.DB, auth.UserFrom(ctx), id)
	switch {
	case errors.Is(err, errForbidden):
		s.Pages.Error(w, r, http.StatusForbidden)
	case errors.Is(err, db.ErrNotFound):
		s.Pages.Flash(w, r, "success", "The view was deleted.")
		httpx.Redirect(w, r, "/desk")
	case err != nil:
		s.Pages.Fail(w, r, err)
	default:
		s.Pages.Flash(w, r, "success", "The view was deleted.")
		httpx.Redirect(w, r, "/desk")
	}
}
