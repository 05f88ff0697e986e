package desk

import (
	"context"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/auth"
	"rapport/internal/db"
	"rapport/internal/desk/hours"
)

// BusinessCalendar is an admin's calendar of business hours (business_calendars): an
// SLA policy that uses one counts only its hours (internal/desk/hours).
type BusinessCalendar struct {
	ID       string      `db:"id"`
	Name     string      `db:"name"`
	Zone     string      `db:"zone"`
	Week     weekJSON    `db:"week"`
	Holidays []time.Time `db:"holidays"`
	Version  int         `db:"version"`
	// Policies is how many SLA policies use it.
	Policies int `db:"policies"`
}

// weekJSON is business_calendars.week: seven days, Sunday first, each a list of
// [start, end] minutes.
type weekJSON [][][2]int

// toWeek turns the stored shape into hours.Week (days beyond seven are ignored).
func (w weekJSON) toWeek() hours.Week {
	var out hours.Week
	for d := 0; d < len(w) && d < 7; d++ {
		for _, r := range w[d] {
			out[d] = append(out[d], hours.Range{Start: r[0], End: r[1]})
		}
	}
	return out
}

func weekOf(w hours.Week) weekJSON {
	out := make(weekJSON, 7)
	for d := range w {
		out[d] = [][2]int{}
		for _, r := range w[d] {
			out[d] = append(out[d], [2]int{r.Start, r.End})
		}
	}
	return out
}

// Hours is the calendar as the clock computes with it. A zone this binary does not
// know (the database was written by a newer one) counts in UTC.
func (c BusinessCalendar) Hours() *hours.Calendar {
	loc, ok := auth.LoadZone(c.Zone)
	if !ok {
		loc = time.UTC
	}
	hol := make(map[hours.Date]bool, len(c.Holidays))
	for _, d := range c.Holidays {
		hol[hours.DateOf(d.UTC())] = true
	}
	return &hours.Calendar{Zone: loc, Week: c.Week.toWeek(), Holidays: hol}
}

// calendarColumns are a BusinessCalendar of c.
const calendarColumns = `c.id, c.name, c.zone, c.week, c.holidays, c.version,
       (SELECT count(*)::int FROM sla_policies p WHERE p.calendar_id = c.id) AS policies`

const calendarsSQL = `SELECT ` + calendarColumns + ` FROM business_calendars c ORDER BY lower(c.name), c.id LIMIT 500`

// ListCalendars returns the business calendars by name.
func ListCalendars(ctx context.Context, q db.Querier) ([]BusinessCalendar, error) {
	rows, err := q.Query(ctx, calendarsSQL)
	if err != nil {
		return nil, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[BusinessCalendar])
	return list, db.Translate(err)
}

const calendarSQL = `SELECT ` + calendarColumns + ` FROM business_calendars c WHERE c.id = $1`

func calendarByID(ctx context.Context, q db.Querier, id string) (BusinessCalendar, error) {
	rows, err := q.Query(ctx, calendarSQL, id)
	if err != nil {
		return BusinessCalendar{}, db.Translate(err)
	}
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[BusinessCalendar])
	return c, db.Translate(err)
}

// CalendarList lists the business calendars (GET /admin/calendars).
func (s *Service) CalendarList(w http.ResponseWriter, r *http.Request) {
	list, err := ListCalendars(r.Context(), s.DB)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	s.Pages.Render(w, r, http.StatusOK, "Business calendars", calendarsPage(list))
}
