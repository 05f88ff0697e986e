package web

import (
	"net/http"
	"strconv"
	"time"
)

func statusText(code int) string { return strconv.Itoa(code) + " · " + http.StatusText(code) }

// Count is n with its noun, in the singular for one: Count(1, "deal", "deals") is
// "1 deal", Count(3, ...) "3 deals", Count(0, ...) "0 deals".
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// The one way dates and times are written for people. A moment is shown in the
// viewer's time zone (httpx.Location: UTC until an account chooses another), with the
// zone's abbreviation so that it is never mistaken for another zone's; the weekday
// helps with deadlines ("due by Tue 3 Mar 2026, 09:30 UTC").
const (
	momentLayout = "Mon 2 Jan 2006, 15:04 MST"
	dayLayout    = "Mon 2 Jan 2006"
)

// Moment is the instant t for people, in loc: "Tue 3 Mar 2026, 09:30 UTC".
func Moment(t time.Time, loc *time.Location) string { return t.In(orUTC(loc)).Format(momentLayout) }

// Day is the day the instant t falls on in loc: "Tue 3 Mar 2026".
func Day(t time.Time, loc *time.Location) string { return t.In(orUTC(loc)).Format(dayLayout) }

// CalendarDay is a day that has no time of day (a deal's close date, stored as
// midnight UTC), written like Day but never moved into a zone, where it could fall on
// the day before.
func CalendarDay(d time.Time) string { return d.UTC().Format(dayLayout) }

// Datetime is t for a <time datetime> attribute: RFC 3339 in UTC, for machines.
func Datetime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}
