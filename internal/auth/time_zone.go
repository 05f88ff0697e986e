package auth

import (
	"strings"
	"sync"
	"time"
)

// DueActivitiesCap bounds the navigation's count of due activities: the count reads at
// most this many index entries, and the navigation shows "99+" beyond it.
const DueActivitiesCap = 100

// DueActivitiesSQL is User.DueActivities for the session's statement (u the user, $2
// now): the user's open planned activities (internal/crm/activity) due today or earlier
// in their zone. Folded into the one statement every page already sends, it costs an index range
// on planned_open_assignee_idx of at most DueActivitiesCap entries, for sales reps and
// admins only, instead of a statement of its own on every page. It reads a CRM table
// from here on purpose: "who is asking" and "what is due for them" come together.
const DueActivitiesSQL = `CASE WHEN u.role IN ('sales', 'admin') AND NOT u.banned THEN (
    SELECT count(*)::int FROM (
        SELECT 1 FROM planned_activities p
        WHERE p.assignee_id = u.id AND p.done_at IS NULL
          AND p.due_date <= ($2::timestamptz AT TIME ZONE u.time_zone)::date
        LIMIT 100) due)
    ELSE 0 END`

// zones caches loaded time zones by name: time.LoadLocation reads the zone database
// each time, and every page view needs its viewer's zone.
var zones sync.Map

// LoadZone returns the IANA time zone called name ("Europe/Berlin", "UTC"), or false
// when Go does not know it. "Local" (the server's own zone) and the empty name are not
// zones a user may choose.
func LoadZone(name string) (*time.Location, bool) {
	if name == "" || name == "Local" || len(name) > 64 || strings.ContainsAny(name, " \\") {
		return nil, false
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), true
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, false
	}
	zones.Store(name, loc)
	return loc, true
}

// Location is the user's time zone, UTC when it is unset or unknown to this binary.
func (u *User) Location() *time.Location {
	if u == nil {
		return time.UTC
	}
	if loc, ok := LoadZone(u.TimeZone); ok {
		return loc
	}
	return time.UTC
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
