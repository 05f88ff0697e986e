package desk

import (
	"strconv"
	"time"
)

// ClockInput is what a ticket's SLA clock is computed from: the ticket's stored facts.
// Nothing in it is "now"; Compute takes the moment to evaluate at.
type ClockInput struct {
	CreatedAt time.Time
	// FirstResponseMins and ResolveMins are the targets copied from the policy; zero
	// means the ticket has no policy.
	FirstResponseMins int
	ResolveMins       int
	// FirstResponseAt is the first public reply by someone other than the requester.
	FirstResponseAt *time.Time
	// SolvedAt is when the ticket was solved, for a solved or closed ticket.
	SolvedAt *time.Time
	Status   Status
	// PausedBefore is the resolution clock's completed pauses (tickets.paused_secs);
	// PausedSince the start of the current one (tickets.paused_since), nil while it runs.
	PausedBefore time.Duration
	PausedSince  *time.Time
}

// Target is one SLA target of a ticket (first response or resolution) at a moment.
type Target struct {
	// Due is the deadline. While the clock is paused it moves on with time; Left does not.
	Due time.Time
	// Left is the time until Due (negative: overdue). For a settled target it is the
	// margin it was settled with (negative: late).
	Left time.Duration
	// Settled is true once the target is met or missed for good, at SettledAt.
	Settled   bool
	SettledAt time.Time
	// Took is how long it took to settle: for resolution, clock time (pauses excluded).
	Took   time.Duration
	Paused bool
	none   bool
}

// Met reports whether a settled target was settled in time.
func (t Target) Met() bool { return t.Settled && t.Left >= 0 }

// None reports whether there is no target (no policy).
func (t Target) None() bool { return t.none }

// warnWithin is how close a deadline turns amber.
const warnWithin = time.Hour

// State is the target's colour: "ok", "warn" (due within the hour), "bad" (breached or
// missed) or "" (no policy, or paused with time left).
func (t Target) State() string {
	switch {
	case t.none:
		return ""
	case t.Settled && t.Met():
		return "ok"
	case t.Settled, t.Left < 0:
		return "bad"
	case t.Paused:
		return ""
	case t.Left < warnWithin:
		return "warn"
	}
	return "ok"
}

// Label is the target's state in a few words: "due in 40m", "breached 2h", "paused, 3h
// left", "met", "missed by 1h", "no SLA".
func (t Target) Label() string {
	switch {
	case t.none:
		return "no SLA"
	case t.Settled && t.Met():
		return "met"
	case t.Settled:
		return "missed by " + FormatDuration(-t.Left)
	case t.Paused && t.Left >= 0:
		return "paused, " + FormatDuration(t.Left) + " left"
	case t.Paused:
		return "paused, breached " + FormatDuration(-t.Left)
	case t.Left >= 0:
		return "due in " + FormatDuration(t.Left)
	}
	return "breached " + FormatDuration(-t.Left)
}

// Clock is a ticket's SLA state at one moment.
type Clock struct {
	FirstResponse Target
	Resolution    Target
	// Paused is the resolution clock's total pause up to the moment, the current one included.
	Paused time.Duration
	// nextIsFirst is true when the nearest open target is the first response.
	nextIsFirst bool
}

// HasPolicy reports whether the ticket has SLA targets at all.
func (c Clock) HasPolicy() bool { return !c.Resolution.none }

// Next is the target the queue sorts and colours by: for an unsolved ticket the nearest
// unmet deadline (tickets.next_due_at), for a solved one the resolution.
func (c Clock) Next() Target {
	if c.nextIsFirst {
		return c.FirstResponse
	}
	return c.Resolution
}

// NextLabel is Next's label, saying which target it is when it is the first reply.
func (c Clock) NextLabel() string {
	if c.nextIsFirst {
		return "first reply " + c.FirstResponse.Label()
	}
	return c.Resolution.Label()
}

// Compute evaluates the clock at now. First response is due created + its target and
// met by the first public reply from the desk (or by solving the ticket without one).
// Resolution is due created + its target + every pause (time pending or solved), and met
// when the ticket is solved by then. A solved ticket's pause does not count against it.
func Compute(in ClockInput, now time.Time) Clock {
	if in.FirstResponseMins <= 0 || in.ResolveMins <= 0 {
		return Clock{FirstResponse: Target{none: true}, Resolution: Target{none: true}}
	}
	var c Clock
	pausedUntil := func(at time.Time) time.Duration {
		p := in.PausedBefore
		if in.PausedSince != nil && at.After(*in.PausedSince) {
			p += at.Sub(*in.PausedSince)
		}
		return p
	}
	c.Paused = pausedUntil(now)
	solved := in.SolvedAt != nil && (in.Status == StatusSolved || in.Status == StatusClosed)

	fr := Target{Due: in.CreatedAt.Add(minutes(in.FirstResponseMins))}
	switch {
	case in.FirstResponseAt != nil:
		fr.Settled, fr.SettledAt = true, *in.FirstResponseAt
	case solved:
		fr.Settled, fr.SettledAt = true, *in.SolvedAt
	}
	if fr.Settled {
		fr.Left, fr.Took = fr.Due.Sub(fr.SettledAt), fr.SettledAt.Sub(in.CreatedAt)
	} else {
		fr.Left = fr.Due.Sub(now)
	}
	c.FirstResponse = fr

	res := Target{}
	base := in.CreatedAt.Add(minutes(in.ResolveMins))
	switch {
	case solved:
		p := pausedUntil(*in.SolvedAt)
		res.Due = base.Add(p)
		res.Settled, res.SettledAt = true, *in.SolvedAt
		res.Left = res.Due.Sub(res.SettledAt)
		res.Took = in.SolvedAt.Sub(in.CreatedAt) - p
	case in.PausedSince != nil:
		res.Paused = true
		res.Due = base.Add(c.Paused)
		res.Left = base.Add(in.PausedBefore).Sub(*in.PausedSince)
		if in.PausedSince.After(now) {
			res.Left = base.Add(in.PausedBefore).Sub(now)
		}
	default:
		res.Due = base.Add(in.PausedBefore)
		res.Left = res.Due.Sub(now)
	}
	c.Resolution = res
	c.nextIsFirst = !solved && !fr.Settled && !fr.Due.After(base.Add(in.PausedBefore))
	return c
}

func minutes(n int) time.Duration { return time.Duration(n) * time.Minute }

// Segment is a stretch of a ticket's life in one status, from its status history.
type Segment struct {
	Status     Status
	Start, End time.Time // End is zero for the current status
}

// Timeline turns a status history (oldest first) into the stretches the ticket spent in
// each status. A history that does not start with the creation (tickets written before
// the desk kept one) starts at its first change.
func Timeline(changes []StatusChange) []Segment {
	var segs []Segment
	for _, ch := range changes {
		if n := len(segs); n > 0 {
			segs[n-1].End = ch.At
		}
		segs = append(segs, Segment{Status: ch.To, Start: ch.At})
	}
	return segs
}

// PauseTotal is the time the resolution clock stood still in one status.
type PauseTotal struct {
	Status Status
	Total  time.Duration
}

// Pauses sums a timeline's paused stretches by status (pending first, then solved; a
// closed ticket's time counts as solved), up to now.
func Pauses(segs []Segment, now time.Time) []PauseTotal {
	var pending, solved time.Duration
	for _, s := range segs {
		if !s.Status.Paused() {
			continue
		}
		end := s.End
		if end.IsZero() || end.After(now) {
			end = now
		}
		if end.Before(s.Start) {
			continue
		}
		if s.Status == StatusPending {
			pending += end.Sub(s.Start)
		} else {
			solved += end.Sub(s.Start)
		}
	}
	var out []PauseTotal
	if pending > 0 {
		out = append(out, PauseTotal{StatusPending, pending})
	}
	if solved > 0 {
		out = append(out, PauseTotal{StatusSolved, solved})
	}
	return out
}

// FormatDuration writes d (its absolute value) the way the desk shows times: "<1m",
// "40m", "3h10m", "2d3h".
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	m := int64(d / time.Minute)
	switch {
	case m < 1:
		return "<1m"
	case m < 60:
		return strconv.FormatInt(m, 10) + "m"
	case m < 24*60:
		s := strconv.FormatInt(m/60, 10) + "h"
		if m%60 != 0 {
			s += strconv.FormatInt(m%60, 10) + "m"
		}
		return s
	}
	days, hours := m/(24*60), (m%(24*60))/60
	s := strconv.FormatInt(days, 10) + "d"
	if hours != 0 {
		s += strconv.FormatInt(hours, 10) + "h"
	}
	return s
}
