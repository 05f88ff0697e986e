package desk

import (
	"testing"
	"time"
)

// at is a fixed moment on the test day: at(9, 30) is 09:30 UTC on 2 March 2026.
func at(h, m int) time.Time { return time.Date(2026, 3, 2, h, m, 0, 0, time.UTC) }

func ptr(t time.Time) *time.Time { return &t }

func TestClockAgainstFixedTimes(t *testing.T) {
	t.Parallel()
	// Policy: first reply within 1h, resolution within 4h. Opened at 09:00.
	base := ClockInput{CreatedAt: at(9, 0), FirstResponseMins: 60, ResolveMins: 240, Status: StatusOpen}
	with := func(f func(*ClockInput)) ClockInput { in := base; f(&in); return in }

	tests := []struct {
		name       string
		in         ClockInput
		now        time.Time
		frState    string
		frLabel    string
		resState   string
		resLabel   string
		resDue     time.Time
		next       string
		paused     time.Duration
		resTook    time.Duration
		resSettled bool
	}{
		{"fresh, reply due within the hour", base, at(9, 30),
			"warn", "due in 30m", "ok", "due in 3h30m", at(13, 0), "first reply due in 30m", 0, 0, false},
		{"fresh, plenty of time", base, at(9, 0),
			"ok", "due in 1h", "ok", "due in 4h", at(13, 0), "first reply due in 1h", 0, 0, false},
		{"replied in time", with(func(in *ClockInput) { in.FirstResponseAt = ptr(at(9, 20)) }), at(9, 30),
			"ok", "met", "ok", "due in 3h30m", at(13, 0), "due in 3h30m", 0, 0, false},
		{"replied late", with(func(in *ClockInput) { in.FirstResponseAt = ptr(at(10, 30)) }), at(11, 0),
			"bad", "missed by 30m", "ok", "due in 2h", at(13, 0), "due in 2h", 0, 0, false},
		{"no reply, overdue", base, at(10, 5),
			"bad", "breached 5m", "ok", "due in 2h55m", at(13, 0), "first reply breached 5m", 0, 0, false},
		{"resolution within the hour", with(func(in *ClockInput) { in.FirstResponseAt = ptr(at(9, 10)) }), at(12, 1),
			"ok", "met", "warn", "due in 59m", at(13, 0), "due in 59m", 0, 0, false},
		{"resolution breached", with(func(in *ClockInput) { in.FirstResponseAt = ptr(at(9, 10)) }), at(13, 30),
			"ok", "met", "bad", "breached 30m", at(13, 0), "breached 30m", 0, 0, false},
		// Pending 10:00–13:10, open again: the 3h10m pause moves the deadline to 16:10.
		{"after a pending pause", with(func(in *ClockInput) {
			in.FirstResponseAt = ptr(at(9, 50))
			in.PausedBefore = 3*time.Hour + 10*time.Minute
		}), at(14, 0),
			"ok", "met", "ok", "due in 2h10m", at(16, 10), "due in 2h10m", 3*time.Hour + 10*time.Minute, 0, false},
		// Pending since 10:00: 3h were left when the clock stopped, and stay left.
		{"pending now", with(func(in *ClockInput) {
			in.Status = StatusPending
			in.FirstResponseAt = ptr(at(9, 50))
			in.PausedSince = ptr(at(10, 0))
		}), at(15, 0),
			"ok", "met", "", "paused, 3h left", at(18, 0), "paused, 3h left", 5 * time.Hour, 0, false},
		{"pending after the deadline", with(func(in *ClockInput) {
			in.Status = StatusPending
			in.FirstResponseAt = ptr(at(9, 50))
			in.PausedSince = ptr(at(14, 0))
		}), at(15, 0),
			"ok", "met", "bad", "paused, breached 1h", at(14, 0), "paused, breached 1h", time.Hour, 0, false},
		// Pending 10:00–11:00 then solved at 12:00: due 14:00, 2h of clock time.
		{"solved in time after a pause", with(func(in *ClockInput) {
			in.Status = StatusSolved
			in.FirstResponseAt = ptr(at(9, 30))
			in.PausedBefore = time.Hour
			in.SolvedAt = ptr(at(12, 0))
			in.PausedSince = ptr(at(12, 0))
		}), at(20, 0),
			"ok", "met", "ok", "met", at(14, 0), "met", 9 * time.Hour, 2 * time.Hour, true},
		// Pending from 10:00, solved at 11:00 (the desk closes the pending pause then).
		{"solved from pending", with(func(in *ClockInput) {
			in.Status = StatusClosed
			in.FirstResponseAt = ptr(at(9, 30))
			in.PausedBefore = time.Hour
			in.SolvedAt = ptr(at(11, 0))
			in.PausedSince = ptr(at(11, 0))
		}), at(23, 0),
			"ok", "met", "ok", "met", at(14, 0), "met", 13 * time.Hour, time.Hour, true},
		{"solved late", with(func(in *ClockInput) {
			in.Status = StatusSolved
			in.FirstResponseAt = ptr(at(9, 30))
			in.SolvedAt = ptr(at(15, 0))
			in.PausedSince = ptr(at(15, 0))
		}), at(16, 0),
			"ok", "met", "bad", "missed by 2h", at(13, 0), "missed by 2h", time.Hour, 6 * time.Hour, true},
		// Solved without a public reply: solving answered the requester.
		{"solved without a reply", with(func(in *ClockInput) {
			in.Status = StatusSolved
			in.SolvedAt = ptr(at(9, 40))
			in.PausedSince = ptr(at(9, 40))
		}), at(10, 0),
			"ok", "met", "ok", "met", at(13, 0), "met", 20 * time.Minute, 40 * time.Minute, true},
		// Solved at 11:00, reopened at 12:00: the hour spent solved does not count.
		{"reopened after solving", with(func(in *ClockInput) {
			in.FirstResponseAt = ptr(at(9, 30))
			in.PausedBefore = time.Hour
		}), at(12, 30),
			"ok", "met", "ok", "due in 1h30m", at(14, 0), "due in 1h30m", time.Hour, 0, false},
		{"pending before the first reply", with(func(in *ClockInput) {
			in.Status = StatusPending
			in.PausedSince = ptr(at(9, 15))
		}), at(9, 45),
			"warn", "due in 15m", "", "paused, 3h45m left", at(13, 30), "first reply due in 15m", 30 * time.Minute, 0, false},
	}
	for _, tc := range tests {
		c := Compute(tc.in, tc.now)
		fr, res := c.FirstResponse, c.Resolution
		if fr.State() != tc.frState || fr.Label() != tc.frLabel {
			t.Errorf("%s: first response %q %q, want %q %q", tc.name, fr.State(), fr.Label(), tc.frState, tc.frLabel)
		}
		if res.State() != tc.resState || res.Label() != tc.resLabel {
			t.Errorf("%s: resolution %q %q, want %q %q", tc.name, res.State(), res.Label(), tc.resState, tc.resLabel)
		}
		if !res.Due.Equal(tc.resDue) {
			t.Errorf("%s: resolution due %s, want %s", tc.name, res.Due.Format("15:04"), tc.resDue.Format("15:04"))
		}
		if c.NextLabel() != tc.next {
			t.Errorf("%s: next %q, want %q", tc.name, c.NextLabel(), tc.next)
		}
		if c.Paused != tc.paused {
			t.Errorf("%s: paused %s, want %s", tc.name, c.Paused, tc.paused)
		}
		if res.Settled != tc.resSettled || res.Took != tc.resTook {
			t.Errorf("%s: resolution settled %v took %s, want %v %s", tc.name, res.Settled, res.Took, tc.resSettled, tc.resTook)
		}
	}
}

func TestClockWithoutPolicy(t *testing.T) {
	t.Parallel()
	c := Compute(ClockInput{CreatedAt: at(9, 0), Status: StatusOpen}, at(12, 0))
	if c.HasPolicy() || c.Next().Label() != "no SLA" || c.Next().State() != "" {
		t.Fatalf("no policy: has %v, %q %q", c.HasPolicy(), c.Next().Label(), c.Next().State())
	}
}

// The pause that the queue's stored deadline leaves out is the one still running: the
// stored resolve_due_at is created + target + PausedBefore, and Next orders the same way.
func TestClockNextMatchesTheStoredSortKey(t *testing.T) {
	t.Parallel()
	// Resolution target shorter than the first response target: resolution comes first.
	in := ClockInput{CreatedAt: at(9, 0), FirstResponseMins: 300, ResolveMins: 120, Status: StatusOpen}
	if c := Compute(in, at(9, 5)); c.NextLabel() != "due in 1h55m" {
		t.Errorf("resolution before first response: next %q", c.NextLabel())
	}
	in.ResolveMins = 300
	if c := Compute(in, at(9, 5)); c.NextLabel() != "first reply due in 4h55m" {
		t.Errorf("equal deadlines: next %q, want the first reply", c.NextLabel())
	}
}

func TestTimelineAndPauses(t *testing.T) {
	t.Parallel()
	s := func(v Status) *Status { return &v }
	changes := []StatusChange{
		{To: StatusOpen, At: at(9, 0)},
		{From: s(StatusOpen), To: StatusPending, At: at(10, 0)},
		{From: s(StatusPending), To: StatusOpen, At: at(13, 10)},
		{From: s(StatusOpen), To: StatusSolved, At: at(14, 0)},
		{From: s(StatusSolved), To: StatusClosed, At: at(14, 30)},
	}
	segs := Timeline(changes)
	if len(segs) != 5 || !segs[1].End.Equal(at(13, 10)) || !segs[4].End.IsZero() {
		t.Fatalf("timeline: %+v", segs)
	}
	got := Pauses(segs, at(15, 0))
	want := []PauseTotal{{StatusPending, 3*time.Hour + 10*time.Minute}, {StatusSolved, time.Hour}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("pauses: %+v, want %+v", got, want)
	}
	if got := Pauses(Timeline(changes[:1]), at(15, 0)); len(got) != 0 {
		t.Fatalf("never paused: %+v", got)
	}
}

func TestFormatDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		0: "<1m", 59 * time.Second: "<1m", time.Minute: "1m", 40 * time.Minute: "40m",
		time.Hour: "1h", 3*time.Hour + 10*time.Minute: "3h10m", -2 * time.Hour: "2h",
		24 * time.Hour: "1d", 50 * time.Hour: "2d2h", 49*time.Hour + 59*time.Minute: "2d1h",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestStatusTransitions(t *testing.T) {
	t.Parallel()
	allowed := map[[2]Status]bool{
		{"open", "open"}: true, {"open", "pending"}: true, {"open", "solved"}: true,
		{"pending", "pending"}: true, {"pending", "open"}: true, {"pending", "solved"}: true,
		{"solved", "solved"}: true, {"solved", "open"}: true, {"solved", "closed"}: true,
	}
	for _, from := range Statuses {
		for _, to := range append(append([]Status{}, Statuses...), "escalated", "") {
			if got := CanMove(from, to); got != allowed[[2]Status{from, to}] {
				t.Errorf("CanMove(%q, %q) = %v", from, to, got)
			}
			if !CanMove(from, to) && moveProblem(from, to) == "" {
				t.Errorf("moveProblem(%q, %q) is empty", from, to)
			}
		}
	}
}
