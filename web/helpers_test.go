package web

import (
	"testing"
	"time"
)

func TestCount(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0 deals", 1: "1 deal", 2: "2 deals", 1000: "1000 deals"} {
		if got := Count(n, "deal", "deals"); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}

// A moment is written in the viewer's zone, named; a calendar date never moves.
func TestDates(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 2, 23, 30, 0, 0, time.UTC)
	nyc := time.FixedZone("EST", -5*3600)
	cet := time.FixedZone("CET", 3600)
	for _, c := range []struct{ got, want string }{
		{Moment(at, nil), "Mon 2 Mar 2026, 23:30 UTC"},
		{Moment(at, time.UTC), "Mon 2 Mar 2026, 23:30 UTC"},
		{Moment(at, cet), "Tue 3 Mar 2026, 00:30 CET"},
		{Moment(at.In(nyc), time.UTC), "Mon 2 Mar 2026, 23:30 UTC"},
		{Day(at, cet), "Tue 3 Mar 2026"},
		{Day(at, nyc), "Mon 2 Mar 2026"},
		{CalendarDay(time.Date(2030, 6, 30, 0, 0, 0, 0, time.UTC)), "Sun 30 Jun 2030"},
		{Datetime(at.In(cet)), "2026-03-02T23:30:00Z"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
