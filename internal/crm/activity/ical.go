package activity

import (
	"strings"
	"time"
	"unicode/utf8"
)

// A few lines of iCalendar (RFC 5545), written by hand: a VCALENDAR of VEVENTs, each
// line a property, TEXT values escaped (3.3.11) and every line folded at 75 octets
// (3.1), lines ending in CRLF.

// icalWriter builds a calendar.
type icalWriter struct{ b strings.Builder }

// line writes one content line "name:value", folded: a line longer than 75 octets
// continues on the next after CRLF and a space, never inside a UTF-8 sequence.
func (w *icalWriter) line(name, value string) {
	s := name + ":" + value
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.b.WriteString(s[:cut])
		w.b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	w.b.WriteString(s)
	w.b.WriteString("\r\n")
}

// text writes a TEXT property, escaped.
func (w *icalWriter) text(name, value string) { w.line(name, icalText(value)) }

// icalText escapes a TEXT value: backslash, semicolon, comma and line breaks (as \n);
// other control characters, which TEXT may not hold, are dropped.
func icalText(s string) string {
	var b strings.Builder
	s = strings.ReplaceAll(s, "\r\n", "\n")
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == ';':
			b.WriteString(`\;`)
		case r == ',':
			b.WriteString(`\,`)
		case r == '\n' || r == '\r':
			b.WriteString(`\n`)
		case r < 0x20 && r != '\t', r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func icalUTC(t time.Time) string  { return t.UTC().Format("20060102T150405Z") }
func icalDate(t time.Time) string { return day(t).Format("20060102") }

// icalEvent is what a feed's VEVENT says.
type icalEvent struct {
	UID, Summary, Description, URL string
	Stamp                          time.Time
	Date                           time.Time  // the day (all-day events)
	At                             *time.Time // the start of a timed one
	Minutes                        int        // its length (0: none given)
}

// calendar writes the VCALENDAR of events.
func calendar(name string, events []icalEvent) string {
	var w icalWriter
	w.line("BEGIN", "VCALENDAR")
	w.line("VERSION", "2.0")
	w.line("PRODID", "-//Rapport//Planned activities//EN")
	w.line("CALSCALE", "GREGORIAN")
	w.line("METHOD", "PUBLISH")
	w.text("X-WR-CALNAME", name)
	for _, e := range events {
		w.line("BEGIN", "VEVENT")
		w.text("UID", e.UID)
		w.line("DTSTAMP", icalUTC(e.Stamp))
		if e.At != nil {
			w.line("DTSTART", icalUTC(*e.At))
			if e.Minutes > 0 {
				w.line("DTEND", icalUTC(e.At.Add(minutes(e.Minutes))))
			}
		} else {
			w.line("DTSTART;VALUE=DATE", icalDate(e.Date))
			w.line("DTEND;VALUE=DATE", icalDate(day(e.Date).AddDate(0, 0, 1)))
		}
		w.text("SUMMARY", e.Summary)
		if e.Description != "" {
			w.text("DESCRIPTION", e.Description)
		}
		if e.URL != "" {
			w.line("URL", e.URL)
		}
		w.line("STATUS", "CONFIRMED")
		w.line("TRANSP", "TRANSPARENT")
		w.line("END", "VEVENT")
	}
	w.line("END", "VCALENDAR")
	return w.b.String()
}
