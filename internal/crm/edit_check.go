package crm

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"rapport/internal/form"
	"rapport/web"
)

// The collision check of the edit forms (companies, contacts, deals), as the desk's
// ticket form has it: the form carries the record's version when it was loaded and the
// values it showed (hidden version and was_<field> inputs). A save against another
// version changes nothing: the form comes back with 409, what the record holds now
// beside what it held then and what the person typed, their input kept and the version
// brought up to date, so that saving again is a choice made with the other change in
// view. A deal's stage move is not checked (see MoveDeal).
//
// Like HTTP's If-Match, the check is the form's to ask for: a post without a version
// field (a script, not our form) saves unconditionally; one with a version that is
// not a positive integer is refused (400).

// ErrStale means the record was saved by someone else after its form was loaded:
// nothing was saved.
var ErrStale = errors.New("crm: the record changed since its form was loaded")

// Saved is a record's version and who saved it last (nil before its first edit).
type Saved struct {
	Version       int        `db:"version"`
	UpdatedAt     *time.Time `db:"updated_at"`
	UpdatedByName *string    `db:"updated_by_name"`
}

// formField is one field of an edit form, as its input holds it.
type formField struct {
	Name  string
	Label string
	Value string
}

// editCheck is what an edit form carries for the collision check.
type editCheck struct {
	Version int         // the record's version when the form was loaded; 0: none (no check)
	Was     []formField // the values the form was loaded with
	Stale   *staleNotice
}

// staleNotice is the 409 page's account of the other save.
type staleNotice struct {
	Who     string // who saved in between ("Someone" when unknown)
	At      *time.Time
	Changes []fieldChange // the fields that save changed (none: it saved the same values)
}

// fieldChange is a field the other save changed: its value when the form was loaded,
// now, and as the person typed it.
type fieldChange struct {
	Label, Was, Now, Yours string
}

// loadedCheck is the check of a form just loaded from the record.
func loadedCheck(s Saved, fields []formField) editCheck {
	return editCheck{Version: s.Version, Was: fields}
}

// readEditCheck reads a posted edit form's version and was_ values for fields (the
// form's own fields, for their names and labels); ok is false when the version is
// there but not a positive integer.
func readEditCheck(r *http.Request, fields []formField) (c editCheck, ok bool) {
	if _, sent := r.PostForm["version"]; sent {
		n, err := strconv.ParseInt(r.PostFormValue("version"), 10, 32)
		if err != nil || n <= 0 {
			return c, false
		}
		c.Version = int(n)
	}
	for _, f := range fields {
		c.Was = append(c.Was, formField{Name: f.Name, Label: f.Label, Value: form.Text(r, "was_"+f.Name)})
	}
	return c, true
}

// badVersion answers an edit form whose version field is not one.
func (s *Service) badVersion(w http.ResponseWriter, r *http.Request) {
	s.Pages.ErrorWith(w, r, http.StatusBadRequest, "This form is damaged",
		"Its record version is not one Rapport wrote. Open the edit page again and make your changes there.")
}

// staleAgainst fills the 409 notice: the fields the record holds differently from when
// the form was loaded (now: the record's fields as the form would load them; yours: as
// typed), each value as show renders it. The form is then checked against the record
// as it is now: saving again replaces the other change, on purpose.
func (c *editCheck) staleAgainst(s Saved, now, yours []formField, show func(name, value string) string) {
	n := &staleNotice{Who: "Someone", At: s.UpdatedAt}
	if s.UpdatedByName != nil {
		n.Who = *s.UpdatedByName
	}
	was := map[string]string{}
	for _, f := range c.Was {
		was[f.Name] = f.Value
	}
	typed := map[string]string{}
	for _, f := range yours {
		typed[f.Name] = f.Value
	}
	for _, f := range now {
		if old, ok := was[f.Name]; !ok || old != f.Value {
			n.Changes = append(n.Changes, fieldChange{Label: f.Label, Was: show(f.Name, old),
				Now: show(f.Name, f.Value), Yours: show(f.Name, typed[f.Name])})
		}
	}
	c.Stale, c.Version, c.Was = n, s.Version, now
}

// shown is a field's value on the 409 page: an empty one says so.
func shown(v string) string {
	if v == "" {
		return "(empty)"
	}
	return v
}

// staleTitle is the 409 notice's first line.
func (n *staleNotice) title(loc *time.Location) string {
	when := ""
	if n.At != nil {
		when = " at " + web.Moment(*n.At, loc)
	}
	return n.Who + " saved this" + when + ", after you opened the form. Nothing of yours was saved."
}
