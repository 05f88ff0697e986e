package desk

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

const (
	maxMacroName = 100
	maxMacroTags = 500
)

// macroForm is the macro form, as typed. Empty Status, Priority, AssigneeID and Team
// leave that field of the ticket as it is.
type macroForm struct {
	ID         string // "" for a new macro
	Name       string
	Body       string
	Status     Status
	Priority   Priority
	AssigneeID string
	Team       string
	Tags       string
	Shared     bool
	Version    int
	Errors     form.Errors
	Key        form.Key // the new-macro form's one-time key
	// Stale is set when the macro changed since the form was loaded (409).
	Stale string
}

func parseMacroForm(r *http.Request, id string) macroForm {
	f := macroForm{ID: id, Name: form.Text(r, "name"), Body: form.Body(r, "body"),
		Status: Status(r.PostFormValue("status")), Priority: Priority(r.PostFormValue("priority")),
		AssigneeID: form.Text(r, "assignee_id"), Team: form.Text(r, "team"), Tags: form.Text(r, "tags"),
		Shared: r.PostFormValue("shared") != "", Errors: form.Errors{}}
	f.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	return f
}

func macroFormOf(m macro) macroForm {
	f := macroForm{ID: m.ID, Name: m.Name, Body: m.Body, AssigneeID: deref(m.AssigneeID), Team: deref(m.Team),
		Tags: m.Tags, Shared: m.Shared(), Version: m.Version, Errors: form.Errors{}}
	if m.Status != nil {
		f.Status = *m.Status
	}
	if m.Priority != nil {
		f.Priority = *m.Priority
	}
	return f
}

// macroStatuses are the statuses a macro may set: closing is the desk's own step.
var macroStatuses = []Status{StatusOpen, StatusPending, StatusSolved}

// Validate fills f.Errors; unknown placeholders are listed by name.
func (f *macroForm) Validate() {
	form.Required(f.Errors, "name", f.Name, "Name", maxMacroName)
	checkBody(f.Errors, "body", f.Body, false)
	if u := unknownPlaceholders(f.Body); len(u) > 0 && f.Errors["body"] == "" {
		quoted := make([]string, len(u))
		for i, p := range u {
			quoted[i] = "{{" + p + "}}"
		}
		f.Errors.Add("body", "Unknown placeholders: "+strings.Join(quoted, ", ")+
			". Use only the names listed under the message, or remove the braces.")
	}
	if f.Status != "" {
		ok := false
		for _, s := range macroStatuses {
			ok = ok || s == f.Status
		}
		if !ok {
			f.Errors.Add("status", "Choose open, pending or solved, or leave the status as it is.")
		}
	}
	if f.Priority != "" && !f.Priority.Valid() {
		f.Errors.Add("priority", "Choose one of the priorities, or leave it as it is.")
	}
	if f.AssigneeID != "" && form.Check(f.AssigneeID, 64, false) != "" {
		f.Errors.Add("assignee_id", "Choose an agent from the list.")
	}
	if f.Team != "" {
		if msg := form.Check(f.Team, maxTeam, false); msg != "" {
			f.Errors.Add("team", msg)
		}
	}
	if f.Tags != "" {
		if msg := form.Check(f.Tags, maxMacroTags, false); msg != "" {
			f.Errors.Add("tags", msg)
		} else if names, err := ParseTagList(f.Tags); err != nil {
			msg, _ := isTagNameError(err)
			f.Errors.Add("tags", msg)
		} else {
			f.Tags = strings.Join(names, ", ") // stored as applied: normalised, no repeats
		}
	}
	if strings.TrimSpace(f.Body) == "" && f.Status == "" && f.Priority == "" && f.AssigneeID == "" && f.Team == "" && f.Tags == "" {
		f.Errors.Add("body", "Write the reply, or choose at least one thing the macro sets.")
	}
}

// The form's key is claimed in the same statement (form.Claim).
const insertMacroSQL = `
WITH claim AS (
    INSERT INTO form_submission (user_id, key, redirect_to)
    SELECT $9, $10, $11 WHERE $10 <> ''
    ON CONFLICT (user_id, key) DO NOTHING RETURNING true
)
INSERT INTO macros (owner_id, name, body, status, priority, assignee_id, team, tags, created_by)
SELECT $1, $2, $3, nullif($4, ''), nullif($5, ''), nullif($6, ''), nullif($7, ''), $8, $9
WHERE $10 = '' OR EXISTS (SELECT FROM claim)
RETURNING id::text`

// The version check is in the WHERE: a save against another version changes nothing.
const updateMacroSQL = `
UPDATE macros SET name = $3, body = $4, status = nullif($5, ''), priority = nullif($6, ''),
    assignee_id = nullif($7, ''), team = nullif($8, ''), tags = $9,
    version = version + 1, updated_at = now()
WHERE id = $1 AND version = $2`

// macroFields is what the audit log keeps of a shared macro, before and after.
type macroFields struct {
	Name       string `json:"name"`
	Body       string `json:"body"`
	Status     string `json:"status,omitempty"`
	Priority   string `json:"priority,omitempty"`
	AssigneeID string `json:"assignee_id,omitempty"`
	Team       string `json:"team,omitempty"`
	Tags       string `json:"tags,omitempty"`
}

func (f macroForm) fields() macroFields {
	return macroFields{Name: f.Name, Body: f.Body, Status: string(f.Status), Priority: string(f.Priority),
		AssigneeID: f.AssigneeID, Team: f.Team, Tags: f.Tags}
}

// auditMacro logs an admin's change to a shared macro on q (personal macros are their
// owner's business and are not logged).
func auditMacro(ctx context.Context, q db.Querier, u *auth.User, action audit.Action, id, label string, before, after any) error {
	return audit.Record(ctx, q, audit.Entry{ActorID: u.ID, ActorEmail: u.Email, Action: action, TargetType: audit.TargetMacro,
		TargetID: id, TargetLabel: label, Before: before, After: after})
}

// errMacroStale means the macro changed since its form was loaded.
var errMacroStale = errors.New("macro changed since it was loaded")

// saveMacroRow creates (f.ID "") or updates the macro on tx as u, after checking the
// assignee: a bad one is errInvalid with f.Errors filled. A repeat of the create
// form's claim creates nothing and returns a *form.Repeat; a stale version
// errMacroStale; someone else's personal macro db.ErrNotFound; an agent's change to a
// shared one errMacroShared.
func saveMacroRow(ctx context.Context, tx pgx.Tx, u *auth.User, claim form.Claim, f *macroForm) error {
	if f.AssigneeID != "" {
		if _, err := assignableAgent(ctx, tx, f.AssigneeID); errors.Is(err, db.ErrNotFound) {
			f.Errors.Add("assignee_id", "Choose an agent from the list: that person cannot take tickets.")
			return errInvalid
		} else if err != nil {
			return err
		}
	}
	if f.ID == "" {
		var owner *string
		if !f.Shared {
			owner = &u.ID
		}
		err := tx.QueryRow(ctx, insertMacroSQL, owner, f.Name, f.Body, string(f.Status), string(f.Priority), f.AssigneeID,
			f.Team, f.Tags, u.ID, string(claim.Key), claim.To).Scan(&f.ID)
		if errors.Is(err, pgx.ErrNoRows) {
			return claim.Repeated(ctx, tx)
		}
		if err != nil || !f.Shared {
			return db.Translate(err)
		}
		return auditMacro(ctx, tx, u, audit.MacroCreated, f.ID, f.Name, nil, f.fields())
	}
	cur, err := macroByID(ctx, tx, u.ID, f.ID)
	if err != nil {
		return err
	}
	if !cur.canEdit(u) {
		return errMacroShared
	}
	tag, err := tx.Exec(ctx, updateMacroSQL, f.ID, f.Version, f.Name, f.Body, string(f.Status), string(f.Priority),
		f.AssigneeID, f.Team, f.Tags)
	if err != nil {
		return db.Translate(err)
	}
	if tag.RowsAffected() == 0 {
		return errMacroStale
	}
	if !cur.Shared() {
		return nil
	}
	was := macroFormOf(cur).fields()
	if was == f.fields() {
		return nil
	}
	return auditMacro(ctx, tx, u, audit.MacroUpdated, f.ID, f.Name, was, f.fields())
}

// macroPageData is what the macro form needs besides the form: the agents to choose
// from and the teams.
func (s *Service) macroPage(w http.ResponseWriter, r *http.Request, status int, f macroForm) {
	agents, err := listAgents(r.Context(), s.DB)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	title := "New macro"
	if f.ID != "" {
		title = "Edit macro"
	}
	s.Pages.Render(w, r, status, title, macroFormPage(macroFormView{Form: f, Agents: agents,
		Teams: teamsOf(agents, f.Team), Admin: auth.UserFrom(r.Context()).Role == auth.RoleAdmin}))
}

// MacroNew shows the form for a new macro (GET /desk/macros/new).
func (s *Service) MacroNew(w http.ResponseWriter, r *http.Request) {
	s.macroPage(w, r, http.StatusOK, macroForm{Errors: form.Errors{}, Key: form.NewKey()})
}

// MacroEdit shows a macro's form (GET /desk/macros/{id}): its owner's, or an admin's
// for a shared one; anyone else on the desk gets a 403 page (a shared one) or a 404.
func (s *Service) MacroEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	u := auth.UserFrom(r.Context())
	m, err := macroByID(r.Context(), s.DB, u.ID, id)
	if err == nil && !m.canEdit(u) {
		err = errMacroShared
	}
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.macroPage(w, r, http.StatusOK, macroFormOf(m))
}

// MacroCreate adds a macro (POST /desk/macros): personal, or shared when an admin
// ticks it.
func (s *Service) MacroCreate(w http.ResponseWriter, r *http.Request) { s.saveMacro(w, r, "") }

// MacroUpdate changes a macro (POST /desk/macros/{id}) at the version its form carries.
func (s *Service) MacroUpdate(w http.ResponseWriter, r *http.Request) {
	if id, ok := s.Pages.PathID(w, r, "id"); ok {
		s.saveMacro(w, r, id)
	}
}

func (s *Service) saveMacro(w http.ResponseWriter, r *http.Request, id string) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	u := auth.UserFrom(ctx)
	f := parseMacroForm(r, id)
	var claim form.Claim
	if id == "" {
		key, ok := s.Pages.FormKey(w, r)
		if !ok {
			return
		}
		f.Key = key
		claim = form.Claim{UserID: u.ID, Key: key, To: "/desk/macros"}
		if f.Shared && u.Role != auth.RoleAdmin {
			f.Errors.Add("shared", "Only admins make shared macros: untick it to keep this one as yours.")
		}
	} else {
		// Whether a macro is shared is fixed when it is made.
		f.Shared = false
	}
	f.Validate()
	if !f.Errors.OK() {
		s.macroPage(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error { return saveMacroRow(ctx, tx, u, claim, &f) })
	if s.Pages.Repeated(w, r, err) {
		return
	}
	switch {
	case errors.Is(err, errInvalid):
		s.macroPage(w, r, http.StatusUnprocessableEntity, f)
	case errors.Is(err, errMacroStale):
		m, err := macroByID(ctx, s.DB, u.ID, id)
		if err != nil {
			s.Pages.Fail(w, r, err)
			return
		}
		f.Version = m.Version
		f.Stale = "This macro was changed since you opened it (it is now named “" + m.Name +
			"”). Nothing was saved; your text is kept below: save again to replace that version."
		s.macroPage(w, r, http.StatusConflict, f)
	case err != nil:
		s.Pages.Fail(w, r, err)
	default:
		s.Pages.Flash(w, r, "success", "Macro “"+f.Name+"” saved.")
		httpx.Redirect(w, r, "/desk/macros")
	}
}
