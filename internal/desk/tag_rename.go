package desk

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

// errTagTaken means the new name is another tag's: merge into it instead.
var errTagTaken = errors.New("tag name taken")

const lockTagSQL = `SELECT name FROM tags WHERE id = $1 FOR UPDATE`

const tagByNameSQL = `SELECT id FROM tags WHERE name = $1`

const renameTagSQL = `UPDATE tags SET name = $2 WHERE id = $1`

// renameTag renames tag id to name (normalised) as by, audited; the old name, or
// ErrNotFound, or errTagTaken when another tag has that name.
func renameTag(ctx context.Context, tx pgx.Tx, by *auth.User, id int64, name string) (string, error) {
	var old string
	if err := tx.QueryRow(ctx, lockTagSQL, id).Scan(&old); err != nil {
		return "", db.Translate(err)
	}
	if old == name {
		return old, nil
	}
	var other int64
	switch err := tx.QueryRow(ctx, tagByNameSQL, name).Scan(&other); {
	case err == nil:
		return old, errTagTaken
	case !errors.Is(db.Translate(err), db.ErrNotFound):
		return old, db.Translate(err)
	}
	if _, err := tx.Exec(ctx, renameTagSQL, id, name); err != nil {
		if db.Unique(db.Translate(err), "tags_name_unique") {
			return old, errTagTaken
		}
		return old, db.Translate(err)
	}
	return old, audit.Record(ctx, tx, audit.Entry{ActorID: by.ID, ActorEmail: by.Email, Action: audit.TagRenamed,
		TargetType: audit.TargetTag, TargetID: itoa64(id), TargetLabel: name,
		Before: map[string]string{"name": old}, After: map[string]string{"name": name}})
}

// TagRename renames a tag (POST /admin/tags/{id}, field name): its tickets keep it under
// the new name. A name another tag has is refused (422): merge them instead.
func (s *Service) TagRename(w http.ResponseWriter, r *http.Request) {
	id, ok := s.tagPathID(w, r)
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	typed := r.PostFormValue("name")
	v := tagAdminView{EditID: id, Kind: "rename", Value: typed}
	name, err := NormalizeTag(form.Clean(typed))
	if err != nil {
		v.Error, _ = isTagNameError(err)
		s.renderTagAdmin(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	ctx := r.Context()
	var old string
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		old, err = renameTag(ctx, tx, auth.UserFrom(ctx), id, name)
		return err
	})
	switch {
	case errors.Is(err, errTagTaken):
		v.Error = "A tag “" + name + "” exists already: merge this one into it instead."
		s.renderTagAdmin(w, r, http.StatusUnprocessableEntity, v)
	case err != nil:
		s.Pages.Fail(w, r, err)
	default:
		if old == name {
			s.Pages.Flash(w, r, "success", "The tag is already called “"+name+"”.")
		} else {
			s.Pages.Flash(w, r, "success", "Tag “"+old+"” renamed “"+name+"”.")
		}
		httpx.Redirect(w, r, "/admin/tags")
	}
}
