package desk

import (
	"strconv"
	"time"

	"rapport/internal/desk/hours"
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
	// FirstResponseDue and ResolveDue are the stored deadlines (tickets.first_response_due_at,
	// resolve_due_at: the latter is the deadline with the completed pauses), used instead
	// of computing them when set and there is no Calendar: a list row whose policy counts
	// business hours shows its stored deadline and the wall-clock time to it.
	FirstResponseDue *time.Time
	ResolveDue       *time.Time
	// Calendar, when set, is the policy's business hours: targets are business time
	// from creation, and every time and pause is counted in business time only.
	// PausedBusiness is then the business time of the completed pauses
	// (businessPaused), standing in for PausedBefore.
	Calendar       *hours.Calendar
	PausedBusiness time.Duration
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
	// at is the moment it was computed at.
	at time.Time
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
	if in.Calendar != nil {
		return computeBusiness(in, now)
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
	if in.FirstResponseDue != nil {
		fr.Due = *in.FirstResponseDue
	}
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
	if in.ResolveDue != nil {
		base = in.ResolveDue.Add(-in.PausedBefore)
	}
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
	c.at = now
	return c
}

// computeBusiness is Compute for a policy with business hours: the same rules, with
// every target and pause counted in the calendar's business time. The first response
// is due when FirstResponseMins of business time have passed since creation; the
// resolution when ResolveMins have, not counting business time spent paused. Left and
// Took are business time too ("2h of business time left"; overdue by business time).
func computeBusiness(in ClockInput, now time.Time) Clock {
	cal := in.Calendar
	var c Clock
	pausedUntil := func(at time.Time) time.Duration {
		p := in.PausedBusiness
		if in.PausedSince != nil && at.After(*in.PausedSince) {
			p += cal.BusinessBetween(*in.PausedSince, at)
		}
		return p
	}
	c.Paused = pausedUntil(now)
	solved := in.SolvedAt != nil && (in.Status == StatusSolved || in.Status == StatusClosed)

	fr := Target{Due: cal.AddBusiness(in.CreatedAt, minutes(in.FirstResponseMins))}
	switch {
	case in.FirstResponseAt != nil:
		fr.Settled, fr.SettledAt = true, *in.FirstResponseAt
	case solved:
		fr.Settled, fr.SettledAt = true, *in.SolvedAt
	}
	if fr.Settled {
		fr.Left, fr.Took = cal.Signed(fr.SettledAt, fr.Due), cal.BusinessBetween(in.CreatedAt, fr.SettledAt)
	} else {
		fr.Left = cal.Signed(now, fr.Due)
	}
	c.FirstResponse = fr

	target := minutes(in.ResolveMins)
	running := cal.AddBusiness(in.CreatedAt, target+in.PausedBusiness)
	res := Target{}
	switch {
	case solved:
		p := pausedUntil(*in.SolvedAt)
		res.Due = cal.AddBusiness(in.CreatedAt, target+p)
		res.Settled, res.SettledAt = true, *in.SolvedAt
		res.Left = cal.Signed(res.SettledAt, res.Due)
		res.Took = cal.BusinessBetween(in.CreatedAt, *in.SolvedAt) - p
	case in.PausedSince != nil:
		res.Paused = true
		res.Due = cal.AddBusiness(in.CreatedAt, target+c.Paused)
		from := *in.PausedSince
		if from.After(now) {
			from = now
		}
		res.Left = cal.Signed(from, running)
	default:
		res.Due = running
		res.Left = cal.Signed(now, running)
	}
	c.Resolution = res
	c.nextIsFirst = !solved && !fr.Settled && !fr.Due.After(running)
	c.at = now
	return c
}

// businessPaused is the business time of a ticket's completed pauses, as paused_secs
// counts them in clock time: every stretch pending or solved that ended in a status
// other than closed (closing keeps the solved ticket's pause running). history is the
// status history, oldest first; a history that does not start at the creation (a
// ticket older than it) cannot say, and the clock-time pausedSecs stands in.
func businessPaused(cal *hours.Calendar, history []StatusChange, pausedSecs int) time.Duration {
	if len(history) == 0 || history[0].From != nil {
		return time.Duration(pausedSecs) * time.Second
	}
	segs := Timeline(history)
	var p time.Duration
	for i := 0; i+1 < len(segs); i++ {
		if s := segs[i]; s.Status.Paused() && s.Status != StatusClosed && segs[i+1].Status != StatusClosed {
			p += cal.BusinessBetween(s.Start, s.End)
		}
	}
	return p
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
func Pauses(segs []Segment, now time.Time) []PauseTotal { return PausesIn(nil, segs, now) }

// PausesIn is Pauses counting only cal's business time (nil: all of it).
func PausesIn(cal *hours.Calendar, segs []Segment, now time.Time) []PauseTotal {
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
			pending += cal.BusinessBetween(s.Start, end)
		} else {
			solved += cal.BusinessBetween(s.Start, end)
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
