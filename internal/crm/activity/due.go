package activity

import (
	"time"
)

// Due is where an activity (or a deal's next one) stands for a viewer: overdue, due
// today or later, in the viewer's zone. The board colours a card by it (red, green,
// grey), as Pipedrive does.
type Due int

// The states of Due.
const (
	DueLater Due = iota
	DueToday
	DueOverdue
)

// Class is the state's CSS class.
func (d Due) Class() string {
	switch d {
	case DueOverdue:
		return "due-overdue"
	case DueToday:
		return "due-today"
	}
	return "due-later"
}

// day is a calendar day: midnight UTC of it, as dates are scanned.
func day(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Today is the day it is now in loc, as a day (midnight UTC).
func Today(now time.Time, loc *time.Location) time.Time {
	n := now.In(loc)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

// DueState is the state of an open activity on date (midnight UTC), at the instant at
// when it is timed (nil: all day), seen at now from loc: overdue when its day has passed
// or its time has; today when its day (a timed one's, in loc) is today; later otherwise.
func DueState(date time.Time, at *time.Time, now time.Time, loc *time.Location) Due {
	today, d := Today(now, loc), dayIn(date, at, loc)
	switch {
	case d.Before(today), at != nil && at.Before(now):
		return DueOverdue
	case d.Equal(today):
		return DueToday
	}
	return DueLater
}

// DueLabel says when an activity is due, for a viewer in loc: "Today", "Today 14:30",
// "Tomorrow", "Yesterday", "Tue 8 Dec" (this year) or "Tue 8 Dec 2027", and the time of
// a timed one in the viewer's zone.
func DueLabel(date time.Time, at *time.Time, now time.Time, loc *time.Location) string {
	today, d := Today(now, loc), dayIn(date, at, loc)
	var s string
	switch {
	case d.Equal(today):
		s = "Today"
	case d.Equal(today.AddDate(0, 0, 1)):
		s = "Tomorrow"
	case d.Equal(today.AddDate(0, 0, -1)):
		s = "Yesterday"
	case d.Year() == today.Year():
		s = d.Format("Mon 2 Jan")
	default:
		s = d.Format("Mon 2 Jan 2006")
	}
	if at != nil {
		s += " " + at.In(loc).Format("15:04")
	}
	return s
}

// dayIn is the day an activity falls on for a viewer in loc: a timed one's instant's day
// there (09:00 in Kiritimati is the day before in UTC), an all-day one's own day.
func dayIn(date time.Time, at *time.Time, loc *time.Location) time.Time {
	if at == nil {
		return day(date)
	}
	return Today(*at, loc)
}

// schedule is when an activity falls: on date (a day), at clock ("HH:MM", "" for all
// day) in loc. It returns the instant (nil all day) and the sort key within the day:
// the instant, or the start of the day in loc.
func schedule(date time.Time, clock string, loc *time.Location) (*time.Time, time.Time) {
	d := day(date)
	if clock == "" {
		return nil, time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc).UTC()
	}
	c, err := time.Parse("15:04", clock)
	if err != nil {
		return nil, time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc).UTC()
	}
	at := time.Date(d.Year(), d.Month(), d.Day(), c.Hour(), c.Minute(), 0, 0, loc).UTC()
	return &at, at
}

// bucket is a heading of "My activities".
type bucket int

const (
	bucketOverdue bucket = iota
	bucketToday
	bucketWeek
	bucketLater
	bucketDone
)

func (b bucket) label() string {
	switch b {
	case bucketOverdue:
		return "Overdue"
	case bucketToday:
		return "Today"
	case bucketWeek:
		return "This week"
	case bucketLater:
		return "Later"
	}
	return "Done"
}

// weekEnd is the last day (Sunday) of the ISO week of today.
func weekEnd(today time.Time) time.Time {
	wd := int(today.Weekday())
	if wd == 0 {
		wd = 7
	}
	return today.AddDate(0, 0, 7-wd)
}

// bucketOf is the heading an activity of day date falls under for a viewer whose day is
// today. Lists are sorted by day, so headings follow each other in this order.
func bucketOf(p Planned, today time.Time) bucket {
	d := day(p.DueDate)
	switch {
	case p.DoneAt != nil:
		return bucketDone
	case d.Before(today):
		return bucketOverdue
	case d.Equal(today):
		return bucketToday
	case !d.After(weekEnd(today)):
		return bucketWeek
	}
	return bucketLater
}

var utc = time.UTC

func minutes(n int) time.Duration { return time.Duration(n) * time.Minute }

// parseDay reads a day written 2026-12-31.
func parseDay(s string) (time.Time, error) { return time.Parse(time.DateOnly, s) }
