// Package attach keeps the files attached to ticket messages: their names and types in
// attachments, their bytes behind a Store (Postgres today, in attachment_chunks, so
// Neon stays the only state; an S3-compatible store can take its place), uploads read
// from multipart forms part by part within limits, and downloads served as
// attachments, never rendered.
package attach

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"rapport/internal/db"
)

// Default limits (config ATTACHMENT_MAX_FILE_MB and ATTACHMENT_MAX_MESSAGE_MB).
const (
	DefaultMaxFile    = 10 << 20
	DefaultMaxMessage = 25 << 20
)

// ErrTooLarge means a file was over its limit; nothing of it is kept once the caller
// rolls back.
var ErrTooLarge = errors.New("attachment too large")

// Store keeps attachments' bytes by id. Put and Delete run on q, the caller's
// transaction, so that a Postgres store's bytes commit with the message they belong
// to; another store may ignore q (and then must tolerate a Put whose transaction rolled
// back: an orphan to sweep, never a row without bytes).
type Store interface {
	// Put reads r to its end and keeps it under id; over limit bytes it stops and
	// returns an error wrapping ErrTooLarge.
	Put(ctx context.Context, q db.Querier, id string, r io.Reader, limit int64) (size int64, err error)
	// Open returns the bytes kept under id, to read and close.
	Open(ctx context.Context, q db.Querier, id string) (io.ReadCloser, error)
	// Delete forgets the bytes under id.
	Delete(ctx context.Context, q db.Querier, id string) error
}

// File is one attachment's metadata.
type File struct {
	ID          string `db:"id"`
	TicketID    string `db:"ticket_id"`
	MessageID   string `db:"message_id"`
	Name        string `db:"name"`
	ContentType string `db:"content_type"`
	Size        int64  `db:"size"`
}

const insertSQL = `
INSERT INTO attachments (id, ticket_id, message_id, name, content_type)
VALUES ($1, $2, $3, $4, $5)`

const sizeSQL = `UPDATE attachments SET size = $2 WHERE id = $1`

// Save attaches the file read from r, called name and of type contentType (as the
// sender declared them: both are cleaned, see CleanName and CleanType), to the message
// messageID of ticket ticketID, on q: run it in the transaction that writes the message.
// Over limit bytes it returns an error wrapping ErrTooLarge and the caller rolls back.
// The email side uses it for an inbound message's attachments.
func Save(ctx context.Context, q db.Querier, ticketID, messageID, name, contentType string, r io.Reader, limit int64) (File, error) {
	return Files{Store: Postgres}.Save(ctx, q, ticketID, messageID, name, contentType, r, limit)
}

// Files are attachments whose bytes live in Store.
type Files struct{ Store Store }

// Save is the package's Save with f's store.
func (fs Files) Save(ctx context.Context, q db.Querier, ticketID, messageID, name, contentType string, r io.Reader, limit int64) (File, error) {
	f := File{ID: db.NewUUID(), TicketID: ticketID, MessageID: messageID, Name: CleanName(name), ContentType: CleanType(contentType)}
	if _, err := q.Exec(ctx, insertSQL, f.ID, ticketID, messageID, f.Name, f.ContentType); err != nil {
		return File{}, fmt.Errorf("attach %q: %w", f.Name, db.Translate(err))
	}
	size, err := fs.Store.Put(ctx, q, f.ID, r, limit)
	if err != nil {
		return File{}, fmt.Errorf("attach %q: %w", f.Name, err)
	}
	f.Size = size
	if _, err := q.Exec(ctx, sizeSQL, f.ID, size); err != nil {
		return File{}, fmt.Errorf("attach %q: %w", f.Name, db.Translate(err))
	}
	return f, nil
}

// maxName bounds a stored name, in runes (the column allows 255).
const maxName = 180

// CleanName makes a sender's file name safe to store and to put in a header: the last
// path element only (no "/" or "\"), without control or bidirectional-override
// characters (an RTL override makes "exe.pdf" read as "fdp.exe"), trimmed, at most
// maxName runes with its extension kept, and "attachment" when nothing is left.
func CleanName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) ||
			unicode.In(r, unicode.Cf) || r == '"' {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	name = strings.Trim(strings.TrimSpace(name), ".")
	if name == "" {
		return "attachment"
	}
	if utf8.RuneCountInString(name) > maxName {
		ext := path.Ext(name)
		if utf8.RuneCountInString(ext) > 16 {
			ext = ""
		}
		r := []rune(strings.TrimSuffix(name, ext))
		name = string(r[:maxName-utf8.RuneCountInString(ext)]) + ext
	}
	return name
}

// CleanType is contentType when it parses as a media type, lower-cased without its
// parameters, else application/octet-stream.
func CleanType(contentType string) string {
	t, _, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.Contains(t, "/") {
		return "application/octet-stream"
	}
	return t
}

// ServedType is the Content-Type a download carries: the stored type for the few kinds
// a browser shows without running anything, application/octet-stream for the rest (a
// file declared text/html or image/svg+xml never renders as a page of ours).
func ServedType(contentType string) string {
	switch contentType {
	case "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain", "text/csv":
		if strings.HasPrefix(contentType, "text/") {
			return contentType + "; charset=utf-8"
		}
		return contentType
	}
	return "application/octet-stream"
}
