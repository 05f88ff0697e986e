package audit

import (
	"net"
	"net/url"
	"strings"
	"time"

	"rapport/internal/db"
	"rapport/internal/form"
)

// pageSize is how many entries a page shows.
const pageSize = 50

// query is the page's filter form as typed, and what is wrong with it.
type query struct {
	Action string
	Actor  string
	Target string
	IP     string
	From   string
	To     string
	Errors form.Errors
	filter Filter
}

// dateLayout is how the date fields are typed (and what <input type="date"> sends).
const dateLayout = "2006-01-02"

// readQuery reads and checks the filters in q. A value that cannot filter gets a
// message beside its field; the others still filter, but the page lists nothing until
// every field can.
func readQuery(q url.Values) query {
	v := query{Action: q.Get("action"), Actor: strings.TrimSpace(q.Get("actor")), Target: strings.TrimSpace(q.Get("target")),
		IP: strings.TrimSpace(q.Get("ip")), From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")),
		Errors: form.Errors{}}
	f := &v.filter
	if v.Action != "" {
		if a := Action(v.Action); Known(a) {
			f.Action = &a
		} else {
			v.Errors.Add("action", "Choose one of the actions in the list.")
		}
	}
	if v.Actor != "" {
		v.Actor = form.NormalizeEmail(v.Actor)
		switch {
		case !form.Lookup(v.Actor, 254, false):
			v.Errors.Add("actor", "Enter an email address, or its beginning (at most 254 characters, no control characters).")
		case isAddress(v.Actor):
			f.ActorEmail = &v.Actor
		default:
			p := escapeLike(v.Actor) + "%"
			f.ActorPrefix = &p
		}
	}
	if v.Target != "" {
		switch {
		case strings.Contains(v.Target, "@"):
			v.Target = form.NormalizeEmail(v.Target)
			if !isAddress(v.Target) {
				v.Errors.Add("target", "Enter a user's whole email address, like name@example.com, or an id.")
			} else {
				f.TargetEmail = &v.Target
			}
		case !validID(v.Target):
			v.Errors.Add("target", "Enter a user's email address, or an id: letters, digits and dashes, at most 64.")
		default:
			if db.ValidUUID(v.Target) {
				v.Target = strings.ToLower(v.Target)
			}
			f.TargetID = &v.Target
		}
	}
	if v.IP != "" {
		if ip := net.ParseIP(v.IP); ip != nil {
			v.IP = ip.String() // as the middleware records it
			f.IP = &v.IP
		} else {
			v.Errors.Add("ip", "Enter an IP address like 192.0.2.7 or 2001:db8::1.")
		}
	}
	from, fromOK := parseDay(v.From)
	if v.From != "" {
		if fromOK {
			f.From = &from
		} else {
			v.Errors.Add("from", "Enter a date like 2026-01-31.")
		}
	}
	if v.To != "" {
		to, ok := parseDay(v.To)
		switch {
		case !ok:
			v.Errors.Add("to", "Enter a date like 2026-01-31.")
		case fromOK && to.Before(from):
			v.Errors.Add("to", "The end date is before the start date.")
		default:
			next := to.AddDate(0, 0, 1)
			f.Before = &next
		}
	}
	return v
}

// values is the filter as a query string, for the next page's link.
func (v query) values() url.Values {
	out := url.Values{}
	for k, val := range map[string]string{"action": v.Action, "actor": v.Actor, "target": v.Target, "ip": v.IP, "from": v.From, "to": v.To} {
		if val != "" {
			out.Set(k, val)
		}
	}
	return out
}

// parseDay reads a date typed as dateLayout: midnight UTC that day, years 1 to 9999.
func parseDay(s string) (time.Time, bool) {
	if len(s) != len(dateLayout) {
		return time.Time{}, false
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil || t.Year() < 1 {
		return time.Time{}, false
	}
	return t, true
}

// isAddress reports whether v is a whole email address, as the forms take them.
func isAddress(v string) bool {
	errs := form.Errors{}
	form.Email(errs, "email", v)
	return errs.OK()
}

// validID reports whether v can be an entry's target id: a user's id or a UUID.
func validID(v string) bool {
	if v == "" || len(v) > 64 {
		return false
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}
