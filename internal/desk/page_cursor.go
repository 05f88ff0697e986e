package desk

import (
	"time"

	"rapport/internal/cursor"
)

// Keyset pagination: a page link carries the last row's sort key ("after", an opaque
// internal/cursor value), and the next page starts past it with one index range scan,
// however deep. A cursor that does not decode to the list's shape is a 400.

// timeCursor is a keyset position in a list ordered by a time and an id.
type timeCursor struct {
	At time.Time
	ID string
}

func (c timeCursor) encode() (string, error) {
	return cursor.Encode(cursor.Time(c.At), cursor.UUID(c.ID))
}

// parseTimeCursor reads an "after" value ("" is the first page: nil).
func parseTimeCursor(v string) (*timeCursor, error) {
	if v == "" {
		return nil, nil
	}
	r := cursor.Read(v)
	c := &timeCursor{At: r.Time(), ID: r.UUID()}
	if err := r.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// queueCursor is the last row of a page. Active views sort by (priority_rank,
// next_due_at, id), done views by (updated_at, id) descending.
type queueCursor struct {
	Rank int
	Due  *time.Time // nil is 'infinity' (no deadline)
	At   time.Time  // done views
	ID   string
}

func (c queueCursor) encode(active bool) (string, error) {
	if !active {
		return timeCursor{At: c.At, ID: c.ID}.encode()
	}
	return cursor.Encode(cursor.Int(int64(c.Rank)), cursor.OptTime(c.Due), cursor.UUID(c.ID))
}

// parseQueueCursor reads a queue view's "after" value ("" is the first page: nil).
func parseQueueCursor(v string, active bool) (*queueCursor, error) {
	if v == "" {
		return nil, nil
	}
	if !active {
		tc, err := parseTimeCursor(v)
		if err != nil {
			return nil, err
		}
		return &queueCursor{At: tc.At, ID: tc.ID}, nil
	}
	r := cursor.Read(v)
	c := &queueCursor{Rank: int(r.Int(0, 3)), Due: r.OptTime(), ID: r.UUID()}
	if err := r.Err(); err != nil {
		return nil, err
	}
	return c, nil
}
