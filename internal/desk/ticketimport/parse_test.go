package ticketimport

import (
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

func TestParseZendeskAndFreeScout(t *testing.T) {
	t.Parallel()
	zd := "\uFEFFSummation column,Id,Requester,Requester email,Subject,Status,Priority,Via,Created at,Solved at,Tags\n" +
		",101,Dana Scully,Dana@Example.com,Printer on fire,Solved,High,Mail,2026-03-01 14:05:00 +0100,2026-03-02 09:00:00 +0100,fire\n" +
		",102,,fox@example.com,\"Lights, again\",On-hold,,Web form,2026-03-05T10:00:00Z,,\n"
	f, err := Parse(strings.NewReader(zd), now)
	if err != nil || len(f.Problems) > 0 {
		t.Fatalf("zendesk: %v %+v", err, f)
	}
	if f.Source != SourceZendesk || len(f.Rows) != 2 {
		t.Fatalf("zendesk: source %q, %d rows", f.Source, len(f.Rows))
	}
	r := f.Rows[0]
	if r.Email != "dana@example.com" || r.Name != "Dana Scully" || r.Status != "solved" || r.Priority != "high" || r.Ref != "zendesk:101" ||
		!r.Created.Equal(time.Date(2026, 3, 1, 13, 5, 0, 0, time.UTC)) || !r.Solved.Equal(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("zendesk row 1: %+v", r)
	}
	if r := f.Rows[1]; r.Status != "pending" || r.Priority != "normal" || r.Name != "fox" || r.Subject != "Lights, again" || !r.Solved.IsZero() {
		t.Errorf("zendesk row 2: %+v", r)
	}
	fs := "Number;Subject;Customer Name;Customer Email;Status;Mailbox;Created At;Closed At\n7;Refund;Ann;ann@x.org;Closed;Support;2026-01-02 08:00;2026-01-03 08:00\n"
	f, err = Parse(strings.NewReader(fs), now)
	if err != nil || len(f.Problems) > 0 || f.Source != SourceFreeScout || len(f.Rows) != 1 || f.Rows[0].Ref != "freescout:7" || f.Rows[0].Status != "closed" {
		t.Fatalf("freescout: %v %+v", err, f)
	}
	// Bad rows are listed, each with why, and none is kept.
	bad := "subject,email,status,priority,created,solved,id\n" +
		",a@b.c,open,,,,1\n" +
		"Hi,not-an-email,open,,,,2\n" +
		"Hi,a@b.c,weird,,,,3\n" +
		"Hi,a@b.c,open,extreme,,,4\n" +
		"Hi,a@b.c,solved,,yesterday,,5\n" +
		"Hi,a@b.c,solved,,2026-02-02,2026-01-01,6\n" +
		"Hi,a@b.c,open,,2030-01-01,,7\n" +
		"Ok,a@b.c,open,,,,7\n"
	f, err = Parse(strings.NewReader(bad), now)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range f.Problems {
		got = append(got, p.Field)
	}
	if strings.Join(got, " ") != "subject email status priority created solved created id" || len(f.Rows) != 0 {
		t.Errorf("problems %v (%+v), rows %d", got, f.Problems, len(f.Rows))
	}
	if _, err := Parse(strings.NewReader("title,foo\nx,y\n"), now); err == nil || !strings.Contains(err.Error(), "email is missing") {
		t.Errorf("no email column: %v", err)
	}
	// The same ticket twice in one file.
	f, _ = Parse(strings.NewReader("id,subject,email\n1,a,a@b.c\n1,b,a@b.c\n"), now)
	if len(f.Problems) != 1 || !strings.Contains(f.Problems[0].Msg, "line 2") {
		t.Errorf("duplicate id: %+v", f.Problems)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("Id,Subject,Requester email,Status,Created at\n1,Hi,a@b.c,Open,2026-01-01\n"))
	f.Add([]byte("subject;email\n\"x\";y\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Parse(strings.NewReader(string(b)), now)
		if err != nil {
			return
		}
		for _, r := range file.Rows {
			if r.Subject == "" || r.Email == "" || r.Ref == "" || r.Status == "" || r.Priority == "" {
				t.Fatalf("a row without its required values: %+v", r)
			}
		}
	})
}
