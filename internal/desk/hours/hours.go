// Package hours is business-time arithmetic: a calendar of weekly opening hours in one
// IANA time zone, with holidays, and the two questions an SLA clock asks of it: when
// does d of business time, counted from an instant, run out (AddBusiness), and how much
// business time lies between two instants (BusinessBetween). It is pure: no database,
// no clock.
//
// Opening hours are wall-clock ranges of a weekday in the calendar's zone. On the days
// daylight saving time changes, a range covers the real time between its ends: 00:00 to
// 24:00 is 23 hours on the spring-forward day and 25 on the fall-back day, and a range
// inside the skipped hour is empty.
package hours

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // zones work where the system has no zoneinfo
)

// MaxRanges is how many opening ranges a day may have.
const MaxRanges = 10

// Range is one opening range of a day, in minutes since midnight: [Start, End), with
// 0 ≤ Start < End ≤ 1440. A range never crosses midnight; 24:00 ends the day.
type Range struct {
	Start, End int
}

// Week is the opening ranges of each weekday, indexed by time.Weekday (Sunday is 0),
// each day's ranges in order and apart.
type Week [7][]Range

// Date is a day of the calendar, without a time or zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is the day t falls on in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads "2026-12-25".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, errors.New("not a date like 2026-12-25")
	}
	return DateOf(t), nil
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// addDays is the date n days after d.
func (d Date) addDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

func (d Date) weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

// Calendar is business hours: the weekly ranges in Zone, minus the Holidays (whole
// days in Zone). A nil *Calendar is no calendar at all: every instant is business time.
type Calendar struct {
	Zone     *time.Location
	Week     Week
	Holidays map[Date]bool
}

// ErrNoHours is Validate's answer for a week without a single opening range.
var ErrNoHours = errors.New("the calendar needs opening hours on at least one day")

// Validate checks the calendar's shape: a zone, at most MaxRanges ranges a day, each
// within the day and ordered, none overlapping the next, and at least one range.
func (c *Calendar) Validate() error {
	if c.Zone == nil {
		return errors.New("the calendar has no time zone")
	}
	any := false
	for wd, day := range c.Week {
		if err := CheckDay(day); err != nil {
			return fmt.Errorf("%s: %w", time.Weekday(wd), err)
		}
		any = any || len(day) > 0
	}
	if !any {
		return ErrNoHours
	}
	return nil
}

// CheckDay checks one day's ranges (see Validate).
func CheckDay(day []Range) error {
	if len(day) > MaxRanges {
		return fmt.Errorf("at most %d ranges a day", MaxRanges)
	}
	for i, r := range day {
		switch {
		case r.Start < 0 || r.End > 24*60 || r.Start > 24*60 || r.End < 0:
			return errors.New("a range must lie within the day, 00:00 to 24:00")
		case r.End <= r.Start:
			return fmt.Errorf("%s must end after it starts (a range cannot cross midnight: split it over two days)", r)
		case i > 0 && r.Start < day[i-1].End:
			return fmt.Errorf("%s overlaps %s", r, day[i-1])
		}
	}
	return nil
}

func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

func (r Range) String() string { return clock(r.Start) + "–" + clock(r.End) }

// FormatDay writes a day's ranges the way ParseDay reads them: "09:00-12:00, 13:00-17:30".
func FormatDay(day []Range) string {
	parts := make([]string, len(day))
	for i, r := range day {
		parts[i] = clock(r.Start) + "-" + clock(r.End)
	}
	return strings.Join(parts, ", ")
}

// ParseDay reads a day's ranges: "" (closed) or ranges like "09:00-12:00, 13:00-17:30",
// in any order (they come back sorted), checked by CheckDay.
func ParseDay(s string) ([]Range, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' })
	if len(fields) > MaxRanges {
		return nil, fmt.Errorf("at most %d ranges a day", MaxRanges)
	}
	var day []Range
	for _, f := range fields {
		f = strings.TrimSpace(f)
		a, b, ok := strings.Cut(strings.ReplaceAll(f, "–", "-"), "-")
		if !ok {
			return nil, fmt.Errorf("%q is not a range like 09:00-17:00", clip(f))
		}
		start, err1 := parseClock(a)
		end, err2 := parseClock(b)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%q is not a range like 09:00-17:00", clip(f))
		}
		day = append(day, Range{start, end})
	}
	for _, r := range day {
		if r.End <= r.Start {
			return nil, fmt.Errorf("%s must end after it starts (a range cannot cross midnight: split it over two days)", r)
		}
	}
	sort.Slice(day, func(i, j int) bool { return day[i].Start < day[j].Start })
	return day, CheckDay(day)
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// parseClock reads "9:00", "09:00" or "24:00" as minutes since midnight.
func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 {
		return 0, errors.New("bad time")
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, errors.New("bad time")
	}
	return hh*60 + mm, nil
}

// maxDays bounds the walk of AddBusiness and BusinessBetween: about 30 years of days.
// A target that would need more business time than the calendar has in that span ends
// at its edge.
const maxDays = 11000

// interval is one opening range of one day as instants: [from, to).
type interval struct{ from, to time.Time }

// day appends the opening intervals of date d, in order and apart (a range whose wall
// times fall in a skipped hour may come out empty and is left out).
func (c *Calendar) day(d Date, out []interval) []interval {
	out = out[:0]
	if c.Holidays[d] {
		return out
	}
	var last time.Time
	for _, r := range c.Week[d.weekday()] {
		from, to := c.wall(d, r.Start), c.wall(d, r.End)
		if from.Before(last) {
			from = last
		}
		if !to.After(from) {
			continue
		}
		out = append(out, interval{from, to})
		last = to
	}
	return out
}

// wall is the instant of minute m (0 to 1440) of day d in the zone. A wall time that
// does not exist (skipped when the clocks spring forward) is the instant of the jump,
// so a range inside the skipped hour is empty and one across it loses the hour.
func (c *Calendar) wall(d Date, m int) time.Time {
	t := time.Date(d.Year, d.Month, d.Day, 0, m, 0, 0, c.Zone)
	want := time.Date(d.Year, d.Month, d.Day, 0, m, 0, 0, time.UTC)
	if y, mo, dd := t.Date(); y != want.Year() || mo != want.Month() || dd != want.Day() ||
		t.Hour() != want.Hour() || t.Minute() != want.Minute() {
		start, _ := t.ZoneBounds()
		if !start.IsZero() && start.Before(t) {
			return start
		}
	}
	return t
}

// AddBusiness is the instant at which d of business time, counted from start, has
// passed: start itself for d ≤ 0; otherwise within (or at the closing end of) an
// opening range. A nil calendar adds d as it is.
func (c *Calendar) AddBusiness(start time.Time, d time.Duration) time.Time {
	if c == nil {
		return start.Add(d)
	}
	if d <= 0 {
		return start
	}
	day := DateOf(start.In(c.Zone)).addDays(-1)
	var buf []interval
	var last time.Time
	for i := 0; i < maxDays; i++ {
		buf = c.day(day.addDays(i), buf)
		for _, iv := range buf {
			last = iv.to
			if !iv.to.After(start) {
				continue
			}
			from := iv.from
			if from.Before(start) {
				from = start
			}
			if avail := iv.to.Sub(from); d <= avail {
				return from.Add(d)
			} else {
				d -= avail
			}
		}
	}
	if last.Before(start) {
		last = start
	}
	return last
}

// BusinessBetween is the business time in [a, b): zero when b is not after a. A nil
// calendar counts all of it.
func (c *Calendar) BusinessBetween(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	if c == nil {
		return b.Sub(a)
	}
	first, lastDay := DateOf(a.In(c.Zone)).addDays(-1), DateOf(b.In(c.Zone)).addDays(1)
	var sum time.Duration
	var buf []interval
	for i, day := 0, first; i < maxDays && !after(day, lastDay); i, day = i+1, day.addDays(1) {
		buf = c.day(day, buf)
		for _, iv := range buf {
			from, to := iv.from, iv.to
			if from.Before(a) {
				from = a
			}
			if to.After(b) {
				to = b
			}
			if to.After(from) {
				sum += to.Sub(from)
			}
		}
	}
	return sum
}

// Signed is the business time from a to b, negative when b is before a.
func (c *Calendar) Signed(a, b time.Time) time.Duration {
	if b.Before(a) {
		return -c.BusinessBetween(b, a)
	}
	return c.BusinessBetween(a, b)
}

// IsOpen reports whether t is business time.
func (c *Calendar) IsOpen(t time.Time) bool {
	if c == nil {
		return true
	}
	var buf []interval
	buf = c.day(DateOf(t.In(c.Zone)), buf)
	for _, iv := range buf {
		if !t.Before(iv.from) && t.Before(iv.to) {
			return true
		}
	}
	return false
}

func after(a, b Date) bool {
	if a.Year != b.Year {
		return a.Year > b.Year
	}
	if a.Month != b.Month {
		return a.Month > b.Month
	}
	return a.Day > b.Day
}

// Summary writes the week for people, days with the same hours together, Monday
// first: "Mon–Fri 09:00–12:00, 13:00–17:00; Sat 10:00–14:00". A week without hours is
// "closed".
func (w Week) Summary() string {
	order := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	var parts []string
	for i := 0; i < len(order); {
		j := i + 1
		for j < len(order) && FormatDay(w[order[j]]) == FormatDay(w[order[i]]) {
			j++
		}
		if day := w[order[i]]; len(day) > 0 {
			names := order[i].String()[:3]
			if j-i > 1 {
				names += "–" + order[j-1].String()[:3]
			}
			ranges := make([]string, len(day))
			for k, r := range day {
				ranges[k] = r.String()
			}
			parts = append(parts, names+" "+strings.Join(ranges, ", "))
		}
		i = j
	}
	if len(parts) == 0 {
		return "closed"
	}
	return strings.Join(parts, "; ")
}

// Skipped says what lies between from and to that is not business time, for a
// sentence: "the weekend", "a holiday", "the weekend and a holiday", "days without
// business hours", "time outside business hours", or "" when all of it counts.
func (c *Calendar) Skipped(from, to time.Time) string {
	if c == nil || !to.After(from) {
		return ""
	}
	first, last := DateOf(from.In(c.Zone)), DateOf(to.In(c.Zone))
	var weekend, holiday, closed bool
	for i, d := 0, first; i < 400 && !after(d, last); i, d = i+1, d.addDays(1) {
		// The last day (the deadline's) has business hours by construction.
		if d != last {
			switch wd := d.weekday(); {
			case c.Holidays[d]:
				holiday = true
			case len(c.Week[wd]) == 0 && (wd == time.Saturday || wd == time.Sunday):
				weekend = true
			case len(c.Week[wd]) == 0:
				closed = true
			}
		}
	}
	switch {
	case weekend && holiday:
		return "the weekend and a holiday"
	case weekend:
		return "the weekend"
	case holiday:
		return "a holiday"
	case closed:
		return "days without business hours"
	case c.BusinessBetween(from, to) < to.Sub(from):
		return "time outside business hours"
	}
	return ""
}
