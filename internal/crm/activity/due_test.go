package activity

import (
	"testing"
	"time"
)

// Where an activity stands, and what its label says, for viewers in two zones.
func TestDueStateAndLabel(t *testing.T) {
	kiri, _ := time.LoadLocation("Pacific/Kiritimati")   // UTC+14
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC) // Monday 12:00 UTC, Tuesday 02:00 in Kiritimati
	d := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	at := func(s string) *time.Time { t, _ := time.Parse(time.RFC3339, s); return &t }
	for _, tc := range []struct {
		what  string
		date  time.Time
		at    *time.Time
		loc   *time.Location
		state Due
		label string
	}{
		{"all day today", d("2026-12-07"), nil, time.UTC, DueToday, "Today"},
		{"all day yesterday", d("2026-12-06"), nil, time.UTC, DueOverdue, "Yesterday"},
		{"all day tomorrow", d("2026-12-08"), nil, time.UTC, DueLater, "Tomorrow"},
		{"all day Monday is yesterday in Kiritimati", d("2026-12-07"), nil, kiri, DueOverdue, "Yesterday"},
		{"timed, later today", d("2026-12-07"), at("2026-12-07T15:30:00Z"), time.UTC, DueToday, "Today 15:30"},
		{"timed, an hour ago", d("2026-12-07"), at("2026-12-07T11:00:00Z"), time.UTC, DueOverdue, "Today 11:00"},
		// Planned for Tuesday 09:00 in Kiritimati: Monday 19:00 in UTC.
		{"timed in Kiritimati, read in UTC", d("2026-12-08"), at("2026-12-07T19:00:00Z"), time.UTC, DueToday, "Today 19:00"},
		{"timed in Kiritimati, read there", d("2026-12-08"), at("2026-12-07T19:00:00Z"), kiri, DueToday, "Today 09:00"},
		{"next year", d("2027-03-02"), nil, time.UTC, DueLater, "Tue 2 Mar 2027"},
		{"this year", d("2026-12-20"), nil, time.UTC, DueLater, "Sun 20 Dec"},
	} {
		if got := DueState(tc.date, tc.at, now, tc.loc); got != tc.state {
			t.Errorf("%s: state %v, want %v", tc.what, got, tc.state)
		}
		if got := DueLabel(tc.date, tc.at, now, tc.loc); got != tc.label {
			t.Errorf("%s: label %q, want %q", tc.what, got, tc.label)
		}
	}
	if got := weekEnd(d("2026-12-07")); !got.Equal(d("2026-12-13")) {
		t.Errorf("the week of Monday 7 December ends %s", got)
	}
	if got := weekEnd(d("2026-12-13")); !got.Equal(d("2026-12-13")) {
		t.Errorf("the week of Sunday 13 December ends %s", got)
	}
}
