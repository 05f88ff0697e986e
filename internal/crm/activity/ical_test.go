package activity

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// parseICal reads a calendar back as RFC 5545 says to: every line ends in CRLF and is at
// most 75 octets; a line starting with a space continues the one before; TEXT values
// are unescaped. It returns each VEVENT's properties by name (parameters kept in the
// name, "DTSTART;VALUE=DATE").
func parseICal(t *testing.T, s string) (map[string]string, []map[string]string) {
	t.Helper()
	if !strings.HasSuffix(s, "\r\n") {
		t.Fatalf("the calendar does not end in CRLF")
	}
	var lines []string
	for _, raw := range strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n") {
		if len(raw) > 75 {
			t.Errorf("a line of %d octets: %q", len(raw), raw)
		}
		if !utf8.ValidString(raw) {
			t.Errorf("a line splits a character: %q", raw)
		}
		if strings.ContainsAny(raw, "\r\n") {
			t.Errorf("a bare line break in %q", raw)
		}
		if strings.HasPrefix(raw, " ") && len(lines) > 0 {
			lines[len(lines)-1] += raw[1:]
			continue
		}
		lines = append(lines, raw)
	}
	unescape := strings.NewReplacer(`\\`, `\`, `\;`, `;`, `\,`, `,`, `\n`, "\n", `\N`, "\n")
	cal := map[string]string{}
	var events []map[string]string
	var cur map[string]string
	for _, l := range lines {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("a line without a colon: %q", l)
		}
		switch {
		case name == "BEGIN" && value == "VEVENT":
			cur = map[string]string{}
		case name == "END" && value == "VEVENT":
			events = append(events, cur)
			cur = nil
		case cur != nil:
			cur[name] = unescape.Replace(value)
		default:
			cal[name] = unescape.Replace(value)
		}
	}
	return cal, events
}

// Hostile and long text survives the feed: escaped, folded at 75 octets without
// splitting a character, and read back as it was.
func TestCalendarEscapesAndFolds(t *testing.T) {
	at := time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)
	summary := `Call: O'Brien; "quotes", commas \ backslash ` + strings.Repeat("é李🦄", 30)
	desc := "Deal: Acme\n\nline two;\r\nline three, with\x07 a bell"
	s := calendar("Rapport: Rita", []icalEvent{
		{UID: "a@rapport", Summary: summary, Description: desc, URL: "http://rapport.test/crm/deals/x", Stamp: at, Date: at, At: &at, Minutes: 30},
		{UID: "b@rapport", Summary: "All day", Stamp: at, Date: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)},
	})
	cal, events := parseICal(t, s)
	if cal["VERSION"] != "2.0" || cal["PRODID"] == "" || cal["X-WR-CALNAME"] != "Rapport: Rita" {
		t.Errorf("calendar properties %v", cal)
	}
	if len(events) != 2 {
		t.Fatalf("%d events, want 2", len(events))
	}
	e := events[0]
	if e["SUMMARY"] != summary {
		t.Errorf("SUMMARY read back as %q", e["SUMMARY"])
	}
	if want := "Deal: Acme\n\nline two;\nline three, with a bell"; e["DESCRIPTION"] != want {
		t.Errorf("DESCRIPTION read back as %q, want %q", e["DESCRIPTION"], want)
	}
	if e["DTSTART"] != "20261207T130000Z" || e["DTEND"] != "20261207T133000Z" || e["UID"] != "a@rapport" || e["DTSTAMP"] != "20261207T130000Z" {
		t.Errorf("timed event %v", e)
	}
	if b := events[1]; b["DTSTART;VALUE=DATE"] != "20261231" || b["DTEND;VALUE=DATE"] != "20270101" {
		t.Errorf("all-day event %v", b)
	}
}
