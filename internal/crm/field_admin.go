package crm

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
)

// The admin's custom fields (/admin/fields): the store and the form they share.

// ErrFieldLabelTaken means the entity has a field with the label (any case).
var ErrFieldLabelTaken = errors.New("crm: a field has this label")

// ErrTooManyFields means the entity has maxFieldsPer fields already.
var ErrTooManyFields = errors.New("crm: too many custom fields")

// FieldStats is a field with how many records have a value for it.
type FieldStats struct {
	CustomField
	Values int64 `db:"values"`
}

const fieldStatsSQL = `
SELECT ` + customFieldColumns + `, (SELECT count(*) FROM custom_values cv WHERE cv.field_id = f.id) AS values
FROM custom_fields f
ORDER BY array_position(ARRAY['contact', 'company', 'deal'], f.entity), f.position, f.id`

// ListFieldStats returns every field, by entity and position, with its value counts.
func ListFieldStats(ctx context.Context, q db.Querier) ([]FieldStats, error) {
	rows, err := q.Query(ctx, fieldStatsSQL)
	if err != nil {
		return nil, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[FieldStats])
	return list, db.Translate(err)
}

const fieldStatsByIDSQL = `
SELECT ` + customFieldColumns + `, (SELECT count(*) FROM custom_values cv WHERE cv.field_id = f.id) AS values
FROM custom_fields f WHERE f.id = $1`

// FieldByID loads a field with its value count; db.ErrNotFound when none.
func FieldByID(ctx context.Context, q db.Querier, id string) (*FieldStats, error) {
	rows, err := q.Query(ctx, fieldStatsByIDSQL, id)
	if err != nil {
		return nil, db.Translate(err)
	}
	f, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[FieldStats])
	return f, db.Translate(err)
}

// createFieldSQL adds a field, claiming the form's key in the same statement; its
// position defaults to after the entity's last; no row when the entity is full.
const createFieldSQL = `
WITH claim AS (
    INSERT INTO form_submission (user_id, key, redirect_to)
    SELECT $7, $8, $9 WHERE $8 <> ''
    ON CONFLICT (user_id, key) DO NOTHING RETURNING true
), n AS (
    SELECT count(*) AS fields, coalesce(max(position) + 1, 0) AS next FROM custom_fields WHERE entity = $1
)
INSERT INTO custom_fields (entity, kind, label, required, position, choices)
SELECT $1, $2, $3, $4, coalesce($5::integer, least(n.next, 100000)), $6 FROM n
WHERE ($8 = '' OR EXISTS (SELECT FROM claim)) AND n.fields < 100
RETURNING id`

// CreateField adds a field (position nil: after the others) and returns its id:
// ErrFieldLabelTaken, ErrTooManyFields or a *form.Repeat.
func CreateField(ctx context.Context, q db.Querier, claim form.Claim, f CustomField, position *int) (string, error) {
	var id string
	choices := f.Choices
	if choices == nil {
		choices = []string{}
	}
	err := q.QueryRow(ctx, createFieldSQL, string(f.Entity), string(f.Kind), f.Label, f.Required, position, choices,
		claim.UserID, string(claim.Key), claim.To).Scan(&id)
	if db.Unique(err, "custom_fields_label_unique") {
		return "", ErrFieldLabelTaken
	}
	if errors.Is(err, pgx.ErrNoRows) {
		if claim.Key != "" {
			if rerr := claim.Repeated(ctx, q); form.IsRepeat(rerr) != nil {
				return "", rerr
			}
		}
		return "", ErrTooManyFields
	}
	return id, db.Translate(err)
}

// updateFieldSQL renames a field and sets its flag, position and choices if it is
// still at version $6; its values are kept (they refer to the field, not its label).
const updateFieldSQL = `
UPDATE custom_fields SET label = $2, required = $3, position = $4, choices = $5, version = version + 1, updated_at = now()
WHERE id = $1 AND version = $6`

// UpdateField saves a field's label, required flag, position and choices: ErrStale
// when it changed since version, ErrFieldLabelTaken, db.ErrNotFound.
func UpdateField(ctx context.Context, q db.Querier, f CustomField) error {
	choices := f.Choices
	if choices == nil {
		choices = []string{}
	}
	tag, err := q.Exec(ctx, updateFieldSQL, f.ID, f.Label, f.Required, f.Position, choices, f.Version)
	if db.Unique(err, "custom_fields_label_unique") {
		return ErrFieldLabelTaken
	}
	if err != nil {
		return db.Translate(err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	if _, err := FieldByID(ctx, q, f.ID); err != nil {
		return err
	}
	return ErrStale
}

// deleteFieldSQL removes a field and its values (ON DELETE CASCADE), counting them.
const deleteFieldSQL = `
WITH n AS (SELECT count(*) AS values FROM custom_values WHERE field_id = $1)
DELETE FROM custom_fields f USING n WHERE f.id = $1
RETURNING f.label, f.entity, f.kind, n.values`

// DeleteField removes a field with its values; it returns the field's label and how
// many values went. db.ErrNotFound when there is none.
func DeleteField(ctx context.Context, q db.Querier, id string) (string, int64, error) {
	var label, entity, kind string
	var n int64
	err := q.QueryRow(ctx, deleteFieldSQL, id).Scan(&label, &entity, &kind, &n)
	return label, n, db.Translate(err)
}

// fieldEntry is the audit log's entry of a change to a field.
func fieldEntry(ctx context.Context, action audit.Action, id, label string, before, after any) audit.Entry {
	by := auth.UserFrom(ctx)
	return audit.Entry{ActorID: by.ID, ActorEmail: by.Email, Action: action, TargetType: audit.TargetCustomField,
		TargetID: id, TargetLabel: label, Before: before, After: after}
}

// fieldAudit is what the audit log keeps of a field.
func fieldAudit(f CustomField) map[string]any {
	return map[string]any{"label": f.Label, "entity": string(f.Entity), "kind": string(f.Kind), "required": f.Required,
		"order": f.Position, "choices": strings.Join(f.Choices, ", ")}
}

// fieldForm is the field form's typed values and problems.
type fieldForm struct {
	ID       string // "" for a new field
	Version  int
	Entity   string
	Kind     string
	Label    string
	Required bool
	Position string
	Choices  string // one per line
	Errors   form.Errors
	Key      form.Key
	position *int
	choices  []string
}

func parseFieldForm(r *http.Request) fieldForm {
	return fieldForm{Entity: form.Text(r, "entity"), Kind: form.Text(r, "kind"), Label: form.Text(r, "label"),
		Required: r.PostFormValue("required") != "", Position: form.Text(r, "position"),
		Choices: form.Body(r, "choices"), Errors: form.Errors{}}
}

// Validate checks the form; kind and entity only for a new field (they are fixed).
func (f *fieldForm) Validate() {
	if f.ID == "" {
		if !slices.Contains(Entities, Entity(f.Entity)) {
			f.Errors.Add("entity", "Choose contacts, companies or deals.")
		}
		if !slices.Contains(FieldKinds, FieldKind(f.Kind)) {
			f.Errors.Add("kind", "Choose a type from the list.")
		}
	}
	form.Required(f.Errors, "label", f.Label, "Label", maxFieldLabel)
	if f.Position != "" {
		n, err := strconv.Atoi(f.Position)
		if err != nil || n < 0 || n > 100000 {
			f.Errors.Add("position", "Enter a whole number from 0 to 100000.")
		} else {
			f.position = &n
		}
	}
	if !FieldKind(f.Kind).HasChoices() {
		return
	}
	if msg := form.Check(f.Choices, maxChoices*(maxFieldChoice+2), true); msg != "" {
		f.Errors.Add("choices", msg)
		return
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(f.Choices, "\n") {
		c := strings.TrimSpace(line)
		if c == "" {
			continue
		}
		if msg := form.Check(c, maxFieldChoice, false); msg != "" {
			f.Errors.Add("choices", "A choice: "+msg)
			return
		}
		if seen[c] {
			f.Errors.Add("choices", "Each choice once: "+c+" is listed twice.")
			return
		}
		seen[c] = true
		f.choices = append(f.choices, c)
	}
	switch {
	case len(f.choices) == 0:
		f.Errors.Add("choices", "List the choices, one per line.")
	case len(f.choices) > maxChoices:
		f.Errors.Add("choices", "At most "+strconv.Itoa(maxChoices)+" choices (this has "+strconv.Itoa(len(f.choices))+").")
	}
}

// field is the form as a definition.
func (f *fieldForm) field() CustomField {
	c := CustomField{ID: f.ID, Entity: Entity(f.Entity), Kind: FieldKind(f.Kind), Label: f.Label, Required: f.Required,
		Choices: f.choices, Version: f.Version}
	if f.position != nil {
		c.Position = *f.position
	}
	return c
}

// fieldFormOf is the edit form filled in with the field.
func fieldFormOf(c CustomField) fieldForm {
	return fieldForm{ID: c.ID, Version: c.Version, Entity: string(c.Entity), Kind: string(c.Kind), Label: c.Label,
		Required: c.Required, Position: strconv.Itoa(c.Position), Choices: strings.Join(c.Choices, "\n"), Errors: form.Errors{}}
}

func fieldPath(id string) string { return "/admin/fields/" + id }
