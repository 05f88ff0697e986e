package desk

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"rapport/internal/attach"
	"rapport/internal/auth"
	"rapport/internal/db"
)

// The desk reads any ticket's files, its notes' included.
const staffAttachmentSQL = `
SELECT id, ticket_id, message_id, name, content_type, size FROM attachments WHERE id = $1`

// A customer reads a file only on their own ticket, on a public message: the scope is
// in SQL, so no id reaches another customer's file or a note's.
const customerAttachmentSQL = `
SELECT a.id, a.ticket_id, a.message_id, a.name, a.content_type, a.size
FROM attachments a
JOIN ticket_messages m ON m.id = a.message_id
JOIN tickets t ON t.id = a.ticket_id
WHERE a.id = $1 AND t.requester_id = $2 AND m.ticket_id = t.id AND NOT m.is_internal`

func findAttachment(ctx context.Context, q db.Querier, sql string, args ...any) (attach.File, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return attach.File{}, db.Translate(err)
	}
	f, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[attach.File])
	return f, db.Translate(err)
}

// AttachmentDownload serves any ticket's file to the desk (GET /desk/attachments/{id}).
func (s *Service) AttachmentDownload(w http.ResponseWriter, r *http.Request) {
	s.download(w, r, staffAttachmentSQL, false)
}

// SupportAttachmentDownload serves a file of the customer's own ticket, never a note's
// (GET /support/attachments/{id}); any other id is a 404.
func (s *Service) SupportAttachmentDownload(w http.ResponseWriter, r *http.Request) {
	s.download(w, r, customerAttachmentSQL, true)
}

func (s *Service) download(w http.ResponseWriter, r *http.Request, sql string, scoped bool) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	args := []any{id}
	if scoped {
		args = append(args, auth.UserFrom(ctx).ID)
	}
	f, err := findAttachment(ctx, s.DB, sql, args...)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	if err := attach.Serve(ctx, w, s.DB, attach.Postgres, f); err != nil && !errors.Is(err, context.Canceled) {
		// The header is out: all that is left is to log it.
		s.Log.WarnContext(ctx, "desk: attachment download", "id", id, "err", err)
	}
}
