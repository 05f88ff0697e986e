package desk

import (
	"strconv"
	"strings"
	"time"

	"rapport/internal/desk/hours"
	"rapport/web"
)

// explainClock says in sentences where a ticket's SLA clock stands and why: what is due
// when, what was met, and what paused the resolution clock ("paused 3h10m while
// pending"). pauses comes from the status history (Pauses); it may be empty for tickets
// older than the history, and then the stored total stands in. Times are written in loc,
// the viewer's zone.
func explainClock(c Clock, in ClockInput, pauses []PauseTotal, loc *time.Location) []string {
	if !c.HasPolicy() {
		return []string{"No SLA policy applies to this ticket's priority, so nothing is due."}
	}
	if in.Calendar != nil {
		return explainBusiness(c, in, pauses, loc)
	}
	var out []string
	fr, res := c.FirstResponse, c.Resolution
	target := FormatDuration(minutes(in.FirstResponseMins))
	switch {
	case fr.Settled && in.FirstResponseAt == nil:
		out = append(out, "Solved without a public reply, which counts as the first response.")
	case fr.Settled && fr.Met():
		out = append(out, "First reply after "+FormatDuration(fr.Took)+", within the "+target+" target.")
	case fr.Settled:
		out = append(out, "First reply after "+FormatDuration(fr.Took)+", "+FormatDuration(-fr.Left)+" over the "+target+" target.")
	case fr.Left >= 0:
		out = append(out, "First reply due by "+web.Moment(fr.Due, loc)+": "+FormatDuration(fr.Left)+" left.")
	default:
		out = append(out, "First reply was due by "+web.Moment(fr.Due, loc)+": "+FormatDuration(-fr.Left)+" overdue.")
	}
	target = FormatDuration(minutes(in.ResolveMins))
	switch {
	case res.Settled && res.Met():
		out = append(out, "Solved after "+FormatDuration(res.Took)+" of clock time, within the "+target+" target.")
	case res.Settled:
		out = append(out, "Solved after "+FormatDuration(res.Took)+" of clock time, "+FormatDuration(-res.Left)+" over the "+target+" target.")
	case res.Paused && res.Left >= 0:
		out = append(out, "The resolution clock is paused while the ticket is "+string(in.Status)+"; "+FormatDuration(res.Left)+" will be left when it resumes.")
	case res.Paused:
		out = append(out, "The resolution clock is paused while the ticket is "+string(in.Status)+"; it was already "+FormatDuration(-res.Left)+" overdue.")
	case res.Left >= 0:
		out = append(out, "Resolution due by "+web.Moment(res.Due, loc)+": "+FormatDuration(res.Left)+" left of the "+target+" target.")
	default:
		out = append(out, "Resolution was due by "+web.Moment(res.Due, loc)+": "+FormatDuration(-res.Left)+" overdue.")
	}
	if res.Settled {
		if in.PausedBefore > 0 {
			out = append(out, "Before it was solved, the clock was paused "+FormatDuration(in.PausedBefore)+" while the ticket waited on the requester.")
		}
		return out
	}
	var parts []string
	var total time.Duration
	for _, p := range pauses {
		parts = append(parts, FormatDuration(p.Total)+" while "+string(p.Status))
		total += p.Total
	}
	switch {
	case len(parts) > 0 && absDiff(total, c.Paused) < time.Minute:
		out = append(out, "Paused "+strings.Join(parts, " and ")+": the resolution deadline moves by as much.")
	case c.Paused > 0:
		out = append(out, "Paused "+FormatDuration(c.Paused)+" in total: the resolution deadline moves by as much.")
	default:
		out = append(out, "Nothing has paused the clock since the ticket was opened.")
	}
	return out
}

func absDiff(a, b time.Duration) time.Duration {
	if a > b {
		return a - b
	}
	return b - a
}

// explainBusiness is explainClock for a policy with business hours: every duration is
// business time, and a deadline that lies past nights, a weekend or a holiday says they
// do not count ("due Mon 7 Dec 10:30: 2h of business time left; the weekend does not
// count").
func explainBusiness(c Clock, in ClockInput, pauses []PauseTotal, loc *time.Location) []string {
	cal := in.Calendar
	out := []string{"Only business hours count: " + cal.Week.Summary() + " (" + cal.Zone.String() + ")" + holidaysNote(cal) + "."}
	skipped := func(due time.Time) string {
		if s := cal.Skipped(c.at, due); s != "" {
			verb := " does not count"
			if strings.Contains(s, " and ") || strings.HasPrefix(s, "days") {
				verb = " do not count"
			}
			return "; " + s + verb
		}
		return ""
	}
	fr, res := c.FirstResponse, c.Resolution
	target := FormatDuration(minutes(in.FirstResponseMins))
	switch {
	case fr.Settled && in.FirstResponseAt == nil:
		out = append(out, "Solved without a public reply, which counts as the first response.")
	case fr.Settled && fr.Met():
		out = append(out, "First reply after "+FormatDuration(fr.Took)+" of business time, within the "+target+" target.")
	case fr.Settled:
		out = append(out, "First reply after "+FormatDuration(fr.Took)+" of business time, "+FormatDuration(-fr.Left)+" over the "+target+" target.")
	case fr.Left >= 0:
		out = append(out, "First reply due by "+web.Moment(fr.Due, loc)+": "+FormatDuration(fr.Left)+" of business time left"+skipped(fr.Due)+".")
	default:
		out = append(out, "First reply was due by "+web.Moment(fr.Due, loc)+": "+FormatDuration(-fr.Left)+" of business time overdue.")
	}
	target = FormatDuration(minutes(in.ResolveMins))
	switch {
	case res.Settled && res.Met():
		out = append(out, "Solved after "+FormatDuration(res.Took)+" of business time, within the "+target+" target.")
	case res.Settled:
		out = append(out, "Solved after "+FormatDuration(res.Took)+" of business time, "+FormatDuration(-res.Left)+" over the "+target+" target.")
	case res.Paused && res.Left >= 0:
		out = append(out, "The resolution clock is paused while the ticket is "+string(in.Status)+"; "+FormatDuration(res.Left)+" of business time will be left when it resumes.")
	case res.Paused:
		out = append(out, "The resolution clock is paused while the ticket is "+string(in.Status)+"; it was already "+FormatDuration(-res.Left)+" of business time overdue.")
	case res.Left >= 0:
		out = append(out, "Resolution due by "+web.Moment(res.Due, loc)+": "+FormatDuration(res.Left)+" of business time left of the "+target+" target"+skipped(res.Due)+".")
	default:
		out = append(out, "Resolution was due by "+web.Moment(res.Due, loc)+": "+FormatDuration(-res.Left)+" of business time overdue.")
	}
	if res.Settled {
		if in.PausedBusiness > 0 {
			out = append(out, "Before it was solved, the clock was paused "+FormatDuration(in.PausedBusiness)+" of business time while the ticket waited on the requester.")
		}
		return out
	}
	var parts []string
	var total time.Duration
	for _, p := range pauses {
		parts = append(parts, FormatDuration(p.Total)+" while "+string(p.Status))
		total += p.Total
	}
	switch {
	case len(parts) > 0 && absDiff(total, c.Paused) < time.Minute:
		out = append(out, "Paused "+strings.Join(parts, " and ")+" (business time): the resolution deadline moves by as much.")
	case c.Paused > 0:
		out = append(out, "Paused "+FormatDuration(c.Paused)+" of business time in total: the resolution deadline moves by as much.")
	default:
		out = append(out, "Nothing has paused the clock since the ticket was opened.")
	}
	return out
}

// holidaysNote counts the calendar's holidays for the explanation.
func holidaysNote(cal *hours.Calendar) string {
	switch n := len(cal.Holidays); n {
	case 0:
		return ""
	case 1:
		return ", less 1 holiday"
	default:
		return ", less " + strconv.Itoa(n) + " holidays"
	}
}
