package desk

import (
	"strconv"
	"strings"
	"time"
)

// Keyset pagination: a page link carries the last row's sort key ("after"), and the
// next page starts past it with one index range scan, however deep.

// timeCursor is a keyset position in a list ordered by a time and an id, as the
// "after" query parameter carries it: "<unix microseconds>_<id>".
type timeCursor struct {
	At time.Time
	ID string
}

func (c timeCursor) String() string {
	return strconv.FormatInt(c.At.UnixMicro(), 10) + "_" + c.ID
}

// parseTimeCursor reads an "after" value; ok is false when it is malformed.
func parseTimeCursor(v string) (c *timeCursor, ok bool) {
	if v == "" {
		return nil, true
	}
	us, id, found := strings.Cut(v, "_")
	n, err := strconv.ParseInt(us, 10, 64)
	if !found || err != nil || !validID(id) {
		return nil, false
	}
	return &timeCursor{At: time.UnixMicro(n).UTC(), ID: id}, true
}

// queueCursor is the last row of a page. Active views sort by (priority_rank,
// next_due_at, id), done views by (updated_at, id) descending.
type queueCursor struct {
	Rank int
	Due  *time.Time // nil is 'infinity' (no deadline)
	At   time.Time  // done views
	ID   string
}

func (c queueCursor) encode(active bool) string {
	if !active {
		return timeCursor{At: c.At, ID: c.ID}.String()
	}
	due := "inf"
	if c.Due != nil {
		due = strconv.FormatInt(c.Due.UnixMicro(), 10)
	}
	return strconv.Itoa(c.Rank) + "_" + due + "_" + c.ID
}

func parseQueueCursor(v string, active bool) (*queueCursor, bool) {
	if v == "" {
		return nil, true
	}
	if !active {
		tc, ok := parseTimeCursor(v)
		if !ok {
			return nil, false
		}
		return &queueCursor{At: tc.At, ID: tc.ID}, true
	}
	parts := strings.Split(v, "_")
	if len(parts) != 3 || !validID(parts[2]) {
		return nil, false
	}
	rank, err := strconv.Atoi(parts[0])
	if err != nil || rank < 0 || rank > 3 {
		return nil, false
	}
	c := &queueCursor{Rank: rank, ID: parts[2]}
	if parts[1] != "inf" {
		us, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil {
			return nil, false
		}
		t := time.UnixMicro(us).UTC()
		c.Due = &t
	}
	return c, true
}
