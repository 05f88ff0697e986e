package desk

import (
	"errors"
	"time"
)

var (
	// ErrClosed means the ticket is closed and takes no more replies or changes.
	ErrClosed = errors.New("ticket closed")
	// ErrStale means the ticket changed after the form was loaded: nothing was saved.
	ErrStale = errors.New("ticket changed since it was loaded")
)

// ShortRef is the ticket's reference as people quote it: # and the first 8 characters.
func ShortRef(id string) string {
	if len(id) < 8 {
		return "#" + id
	}
	return "#" + id[:8]
}

// Message is one entry of a thread (a row, or an object of a JSON array of rows).
type Message struct {
	ID         string `db:"id" json:"id"`
	AuthorID   string `db:"author_id" json:"author_id"`
	AuthorName string `db:"author_name" json:"author_name"`
	Body       string `db:"body" json:"body"`
	IsInternal bool   `db:"is_internal" json:"is_internal"`
	// MacroName is the macro the message was written with (the desk's thread only).
	MacroName *string   `db:"-" json:"macro_name"`
	FromStaff bool      `db:"from_staff" json:"from_staff"` // written by someone other than the requester
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	// Files are the message's attachments, oldest first.
	Files []MessageFile `db:"files" json:"files"`
}

// MessageFile is an attachment as the thread lists it.
type MessageFile struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Size int64  `json:"size"`
}

// StatusChange is one row of a ticket's status history.
type StatusChange struct {
	ActorName string    `db:"actor_name" json:"actor_name"`
	From      *Status   `db:"from_status" json:"from_status"`
	To        Status    `db:"to_status" json:"to_status"`
	At        time.Time `db:"created_at" json:"created_at"`
}
