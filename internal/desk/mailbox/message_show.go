package mailbox

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
)

// messageView is one fetched message for the admin: what was decided, and the start of
// the original as text (escaped by templ, never rendered as mail).
type messageView struct {
	Decision
	MailboxID      string `db:"mailbox_id"`
	MailboxAddress string `db:"mailbox_address"`
	Head           []byte `db:"head"` // the original's first piece
	Pieces         int    `db:"pieces"`
}

// shownBytes is how much of an original the page shows; the download has it all.
const shownBytes = 256 << 10

// Text is the start of the original as valid UTF-8 (a byte that is not is shown as
// U+FFFD), at most shownBytes.
func (v messageView) Text() string {
	b := v.Head
	if len(b) > shownBytes {
		b = b[:shownBytes]
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// Cut reports whether the page shows only part of the original.
func (v messageView) Cut() bool { return v.Pieces > 1 || len(v.Head) > shownBytes }

const messageSQL = `
SELECT i.id, i.uid, i.message_id, i.from_addr, i.subject, i.size, i.state, i.reason, i.ticket_id::text AS ticket_id,
       i.received_at, i.mailbox_id::text AS mailbox_id, m.address AS mailbox_address,
       coalesce((SELECT data FROM inbound_message_raw WHERE inbound_id = i.id AND seq = 0), ''::bytea) AS head,
       (SELECT count(*) FROM inbound_message_raw WHERE inbound_id = i.id)::int AS pieces
FROM inbound_messages i JOIN mailboxes m ON m.id = i.mailbox_id
WHERE i.mailbox_id = $1 AND i.id = $2`

// messageID reads the route's {mid}: a positive number, else a 404.
func (s *Service) messageID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	n, err := strconv.ParseInt(chi.URLParam(r, "mid"), 10, 64)
	if err != nil || n <= 0 {
		s.Pages.Error(w, r, http.StatusNotFound)
		return 0, false
	}
	return n, true
}

// MessageShow shows one fetched message, its decision and its original (GET
// /admin/mailboxes/{id}/messages/{mid}).
func (s *Service) MessageShow(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	mid, ok := s.messageID(w, r)
	if !ok {
		return
	}
	rows, err := s.DB.Query(r.Context(), messageSQL, id, mid)
	if err != nil {
		s.Pages.Fail(w, r, db.Translate(err))
		return
	}
	v, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[messageView])
	if err != nil {
		s.Pages.Fail(w, r, db.Translate(err))
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Message "+strconv.FormatInt(v.UID, 10), messageShowPage(v))
}

// MessageRaw downloads the whole original (GET /admin/mailboxes/{id}/messages/{mid}/raw)
// as an attachment, never shown inline: it is whatever the sender wrote.
func (s *Service) MessageRaw(w http.ResponseWriter, r *http.Request) {
	id, ok := s.Pages.PathID(w, r, "id")
	if !ok {
		return
	}
	mid, ok := s.messageID(w, r)
	if !ok {
		return
	}
	var exists bool
	if err := s.DB.QueryRow(r.Context(), `SELECT EXISTS (SELECT FROM inbound_messages WHERE mailbox_id = $1 AND id = $2)`, id, mid).Scan(&exists); err != nil {
		s.Pages.Fail(w, r, db.Translate(err))
		return
	}
	if !exists {
		s.Pages.Fail(w, r, db.ErrNotFound)
		return
	}
	s.download(w, r, mid)
}

// download sends the original of inbound message mid as an attachment, never inline:
// it is whatever the sender wrote.
func (s *Service) download(w http.ResponseWriter, r *http.Request, mid int64) {
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", `attachment; filename="message-`+strconv.FormatInt(mid, 10)+`.eml"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	if err := writeRaw(r.Context(), s.DB, mid, w); err != nil && !errors.Is(err, r.Context().Err()) {
		s.Log.ErrorContext(r.Context(), "download of an original cut short", "message", mid, "err", err)
	}
}
