package desk

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5"

	"rapport/internal/audit"
	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/httpx"
)

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// errSameTag means a tag was to be merged into itself.
var errSameTag = errors.New("merge into itself")

// Both tags are locked (in id order, so two merges cannot deadlock), the source's
// tickets get the target (those that had both keep one link), and the source goes
// with its links.
const lockTagsSQL = `SELECT id, name FROM tags WHERE id = $1 OR name = $2 ORDER BY id FOR UPDATE`

const mergeTagLinksSQL = `
WITH moved AS (
    INSERT INTO ticket_tags (ticket_id, tag_id, created_at)
    SELECT ticket_id, $2, created_at FROM ticket_tags WHERE tag_id = $1
    ON CONFLICT DO NOTHING RETURNING 1
), gone AS (
    DELETE FROM tags WHERE id = $1 RETURNING 1
)
SELECT (SELECT count(*) FROM moved), (SELECT count(*) FROM ticket_tags WHERE tag_id = $1)`

// mergeTag merges tag id into the tag named into (normalised) as by, audited: the
// target's name and how many tickets gained it. ErrNotFound when either tag does not
// exist, errSameTag when they are one.
func mergeTag(ctx context.Context, tx pgx.Tx, by *auth.User, id int64, into string) (int64, int64, error) {
	rows, err := tx.Query(ctx, lockTagsSQL, id, into)
	if err != nil {
		return 0, 0, db.Translate(err)
	}
	tags, err := pgx.CollectRows(rows, pgx.RowToStructByName[Tag])
	if err != nil {
		return 0, 0, db.Translate(err)
	}
	var src, dst *Tag
	for i := range tags {
		if tags[i].ID == id {
			src = &tags[i]
		}
		if tags[i].Name == into {
			dst = &tags[i]
		}
	}
	switch {
	case src == nil || dst == nil:
		return 0, 0, db.ErrNotFound
	case src.ID == dst.ID:
		return 0, 0, errSameTag
	}
	var moved, had int64
	if err := tx.QueryRow(ctx, mergeTagLinksSQL, src.ID, dst.ID).Scan(&moved, &had); err != nil {
		return 0, 0, db.Translate(err)
	}
	return dst.ID, moved, audit.Record(ctx, tx, audit.Entry{ActorID: by.ID, ActorEmail: by.Email, Action: audit.TagMerged,
		TargetType: audit.TargetTag, TargetID: itoa64(dst.ID), TargetLabel: dst.Name,
		Before: map[string]any{"name": src.Name, "tickets": had},
		After:  map[string]any{"name": dst.Name, "tickets_moved": moved}})
}

// TagMerge merges a tag into another (POST /admin/tags/{id}/merge, field into: the
// other tag's name): every ticket with it gets the other, and it is deleted.
func (s *Service) TagMerge(w http.ResponseWriter, r *http.Request) {
	id, ok := s.tagPathID(w, r)
	if !ok || !s.Pages.ParseForm(w, r) {
		return
	}
	typed := r.PostFormValue("into")
	v := tagAdminView{EditID: id, Kind: "merge", Value: typed}
	into, err := NormalizeTag(form.Clean(typed))
	if err != nil {
		v.Error, _ = isTagNameError(err)
		s.renderTagAdmin(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	ctx := r.Context()
	var moved int64
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		_, moved, err = mergeTag(ctx, tx, auth.UserFrom(ctx), id, into)
		return err
	})
	switch {
	case errors.Is(err, errSameTag):
		v.Error = "Choose another tag: a tag cannot be merged into itself."
		s.renderTagAdmin(w, r, http.StatusUnprocessableEntity, v)
	case errors.Is(err, db.ErrNotFound):
		v.Error = "There is no tag “" + into + "” to merge into (or this tag was merged or removed meanwhile)."
		s.renderTagAdmin(w, r, http.StatusUnprocessableEntity, v)
	case err != nil:
		s.Pages.Fail(w, r, err)
	default:
		s.Pages.Flash(w, r, "success", "Merged into “"+into+"”: "+itoa64(moved)+" tickets gained it.")
		httpx.Redirect(w, r, "/admin/tags")
	}
}
