package activity

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// An admin's activity types (GET /admin/activity-types): the five Rapport comes with and
// any added. A type in use cannot be deleted, only hidden: planned activities keep it,
// and it is offered no more.

const maxTypeLabel = 40

// ErrTypeTaken means another type has the label (in any case).
var ErrTypeTaken = errors.New("activity: a type has this name")

const typesSQL = `
SELECT t.key, t.label, t.active FROM activity_types t ORDER BY t.position, t.label, t.key`

// ListTypes returns every type in its order.
func ListTypes(ctx context.Context, q db.Querier) ([]Type, error) {
	rows, err := q.Query(ctx, typesSQL)
	if err != nil {
		return nil, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Type])
	return list, db.Translate(err)
}

// createTypeSQL adds a type at the end of the order and claims the form's key in the
// same statement.
const createTypeSQL = `
WITH claim AS (
    INSERT INTO form_submission (user_id, key, redirect_to)
    SELECT $3, $4, $5 WHERE $4 <> ''
    ON CONFLICT (user_id, key) DO NOTHING RETURNING true
)
INSERT INTO activity_types (key, label, position)
SELECT CASE WHEN EXISTS (SELECT 1 FROM activity_types WHERE key = $1) THEN $1 || '_' || substr(md5(random()::text), 1, 6) ELSE $1 END,
       $2, coalesce((SELECT max(position) FROM activity_types), 0) + 1
WHERE $4 = '' OR EXISTS (SELECT FROM claim)
RETURNING key`

var keyUnsafe = regexp.MustCompile(`[^a-z0-9]+`)

// typeKey is the stored key of a new type: its label in lower-case ASCII with
// underscores ("Site visit": site_visit), or a random one for a label without ASCII
// letters.
func typeKey(label string) string {
	k := strings.Trim(keyUnsafe.ReplaceAllString(strings.ToLower(label), "_"), "_")
	if len(k) > 24 {
		k = strings.TrimRight(k[:24], "_")
	}
	if k == "" || k[0] < 'a' || k[0] > 'z' {
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		k = "type_" + hex.EncodeToString(b)
	}
	return k
}

// CreateType adds a type called label in tx and returns its key; ErrTypeTaken when one
// has that name. A label whose key is taken (a name that differs from another only in
// punctuation) gets a random suffix.
func CreateType(ctx context.Context, tx pgx.Tx, claim form.Claim, label string) (string, error) {
	var key string
	err := tx.QueryRow(ctx, createTypeSQL, typeKey(label), label, claim.UserID, string(claim.Key), claim.To).Scan(&key)
	switch {
	case db.Unique(err, "activity_types_label_unique"):
		return "", ErrTypeTaken
	case errors.Is(err, pgx.ErrNoRows):
		return "", claim.Repeated(ctx, tx)
	}
	return key, db.Translate(err)
}

const setTypeSQL = `
UPDATE activity_types t SET label = $2, active = $3 FROM (SELECT key, label, active FROM activity_types WHERE key = $1 FOR UPDATE) was
WHERE t.key = was.key RETURNING was.label, was.active`

// typeForm is the add form, or a type's rename-and-hide form.
type typeForm struct {
	Key     string // "" when adding
	Label   string
	Active  bool
	Errors  form.Errors
	FormKey form.Key
}

func (f *typeForm) Validate() { form.Required(f.Errors, "label", f.Label, "Name", maxTypeLabel) }

// typesPage is the admin's list of types with the add form.
type typesPage struct {
	Types []Type
	Form  typeForm
}

func typeEntry(ctx context.Context, action audit.Action, key, label string, active bool) audit.Entry {
	by := auth.UserFrom(ctx)
	state := "shown"
	if !active {
		state = "hidden"
	}
	return audit.Entry{ActorID: by.ID, ActorEmail: by.Email, Action: action, TargetType: audit.TargetActivityType,
		TargetID: key, TargetLabel: label, After: map[string]string{"name": label, "state": state}}
}

const typesPath = "/admin/activity-types"

// TypeList lists the activity types with the add form (GET /admin/activity-types).
func (s *Service) TypeList(w http.ResponseWriter, r *http.Request) {
	s.renderTypes(w, r, http.StatusOK, typeForm{Errors: form.Errors{}, FormKey: form.NewKey()})
}

func (s *Service) renderTypes(w http.ResponseWriter, r *http.Request, status int, f typeForm) {
	list, err := ListTypes(r.Context(), s.DB)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Render(w, r, status, "Activity types", typesAdminPage(typesPage{Types: list, Form: f}))
}

// TypeCreate adds a type (POST /admin/activity-types).
func (s *Service) TypeCreate(w http.ResponseWriter, r *http.Request) {
	if !s.Pages.ParseForm(w, r) {
		return
	}
	key, ok := s.Pages.FormKey(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	f := typeForm{Label: form.Text(r, "label"), Errors: form.Errors{}, FormKey: key}
	f.Validate()
	if f.Errors.OK() {
		claim := form.Claim{UserID: actorFrom(ctx).ID, Key: key, To: typesPath}
		err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
			k, err := CreateType(ctx, tx, claim, f.Label)
			if err != nil {
				return err
			}
			return audit.Record(ctx, tx, typeEntry(ctx, audit.ActivityTypeCreated, k, f.Label, true))
		})
		if s.Pages.Repeated(w, r, err) {
			return
		}
		switch {
		case errors.Is(err, ErrTypeTaken):
			f.Errors.Add("label", "A type is already called "+f.Label+".")
		case err != nil:
			s.Pages.Fail(w, r, err)
			return
		default:
			s.Pages.Flash(w, r, "success", "Activity type "+f.Label+" added.")
			httpx.Redirect(w, r, typesPath)
			return
		}
	}
	s.renderTypes(w, r, http.StatusUnprocessableEntity, f)
}

var typeKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// TypeUpdate renames a type, or hides or shows it (POST /admin/activity-types/{key}).
func (s *Service) TypeUpdate(w http.ResponseWriter, r *http.Request) {
	key := chi.URLParam(r, "key")
	if !typeKeyRE.MatchString(key) {
		s.Pages.Error(w, r, http.StatusNotFound)
		return
	}
	if !s.Pages.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	f := typeForm{Key: key, Label: form.Text(r, "label"), Active: r.PostFormValue("active") != "", Errors: form.Errors{}}
	f.Validate()
	if f.Errors.OK() {
		err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
			var was string
			var wasActive bool
			err := tx.QueryRow(ctx, setTypeSQL, key, f.Label, f.Active).Scan(&was, &wasActive)
			if db.Unique(err, "activity_types_label_unique") {
				return ErrTypeTaken
			}
			if err != nil || (was == f.Label && wasActive == f.Active) {
				return db.Translate(err)
			}
			e := typeEntry(ctx, audit.ActivityTypeUpdated, key, f.Label, f.Active)
			state := "shown"
			if !wasActive {
				state = "hidden"
			}
			e.Before = map[string]string{"name": was, "state": state}
			return audit.Record(ctx, tx, e)
		})
		switch {
		case errors.Is(err, ErrTypeTaken):
			f.Errors.Add("label", "A type is already called "+f.Label+".")
		case err != nil:
			s.Pages.Fail(w, r, err)
			return
		default:
			s.Pages.Flash(w, r, "success", "Activity type "+f.Label+" saved.")
			httpx.Redirect(w, r, typesPath)
			return
		}
	}
	s.renderTypes(w, r, http.StatusUnprocessableEntity, typeForm{Errors: f.Errors, Label: f.Label, FormKey: form.NewKey()})
}
