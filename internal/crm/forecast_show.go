package crm

import (
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/db"
	"rapport/internal/httpx"
)

// forecastMonths is how many months the forecast looks ahead, this one included.
const forecastMonths = 6

// ForecastCell is a number of deals with their summed and weighted amounts.
type ForecastCell struct {
	Deals         int64
	AmountCents   int64
	WeightedCents int64
}

func (c *ForecastCell) add(o ForecastCell) {
	c.Deals += o.Deals
	c.AmountCents = addCapped(c.AmountCents, o.AmountCents)
	c.WeightedCents = addCapped(c.WeightedCents, o.WeightedCents)
}

// ForecastRow is one rep's line (or the total's): their open deals by expected close
// month, and what they won this month and this quarter.
type ForecastRow struct {
	OwnerID    string
	OwnerName  string
	Months     [forecastMonths]ForecastCell
	Total      ForecastCell
	WonMonth   ForecastCell
	WonQuarter ForecastCell
}

// Forecast is the open pipeline by expected close month, per rep and in total.
type Forecast struct {
	Months []time.Time // the first day of each month (midnight UTC, as close dates are)
	Rows   []ForecastRow
	Total  ForecastRow
}

// forecastSQL: $1 and $2 the close dates of the months (a close date is a day at
// midnight UTC), $3 a pipeline (NULL: every one), $4 and $5 the starts of this quarter
// and this month in the viewer's time zone. Open deals come index-only from
// deals_forecast_idx, the deals won from deals_won_idx; each rep's name is one probe of
// user_pkey per line (a join would hash the whole user table: the planner expects ten
// times the lines there are).
const forecastSQL = `
WITH open AS (
    SELECT d.owner_id, date_trunc('month', d.close_date AT TIME ZONE 'UTC') AS month, count(*) AS deals,
           sum(d.amount_cents::numeric) AS amount,
           sum(d.amount_cents::numeric * coalesce(d.probability, s.probability)) / 100 AS weighted
    FROM deals d
    JOIN pipeline_stages s ON s.id = d.stage_id
    WHERE d.stage IN ('lead', 'qualified') AND d.close_date >= $1 AND d.close_date < $2
      AND ($3::uuid IS NULL OR d.pipeline_id = $3)
    GROUP BY 1, 2
), won AS (
    SELECT d.owner_id, d.closed_at >= $5 AS this_month, count(*) AS deals, sum(d.amount_cents::numeric) AS amount
    FROM deals d
    WHERE d.stage = 'won' AND d.closed_at >= $4
      AND ($3::uuid IS NULL OR d.pipeline_id = $3)
    GROUP BY 1, 2
), figures AS (
    SELECT 'open' AS kind, owner_id, month, deals, amount, weighted FROM open
    UNION ALL
    SELECT CASE WHEN this_month THEN 'won_month' ELSE 'won_quarter' END, owner_id, NULL, deals, amount, amount FROM won
)
SELECT f.kind, f.owner_id, coalesce((SELECT u.name FROM "user" u WHERE u.id = f.owner_id), '') AS owner_name, f.month, f.deals,
       LEAST(f.amount, 9223372036854775807)::bigint AS amount_cents,
       LEAST(f.weighted, 9223372036854775807)::bigint AS weighted_cents
FROM figures f
ORDER BY owner_name, f.owner_id, f.kind, f.month`

type forecastRow struct {
	Kind          string     `db:"kind"`
	OwnerID       string     `db:"owner_id"`
	OwnerName     string     `db:"owner_name"`
	Month         *time.Time `db:"month"`
	Deals         int64      `db:"deals"`
	AmountCents   int64      `db:"amount_cents"`
	WeightedCents int64      `db:"weighted_cents"`
}

// forecastPeriod is the forecast's months and the starts of this month and quarter, as
// of now in loc.
func forecastPeriod(now time.Time, loc *time.Location) (months []time.Time, monthStart, quarterStart time.Time) {
	l := now.In(loc)
	first := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, time.UTC)
	for i := range forecastMonths {
		months = append(months, first.AddDate(0, i, 0))
	}
	monthStart = time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
	quarterStart = time.Date(l.Year(), time.Month((int(l.Month())-1)/3*3+1), 1, 0, 0, 0, 0, loc)
	return months, monthStart, quarterStart
}

// LoadForecast computes the forecast of pipeline (nil: every pipeline) as of now in loc,
// in one statement.
func LoadForecast(ctx context.Context, q db.Querier, pipeline *string, now time.Time, loc *time.Location) (*Forecast, error) {
	months, monthStart, quarterStart := forecastPeriod(now, loc)
	rows, err := q.Query(ctx, forecastSQL, months[0], months[0].AddDate(0, forecastMonths, 0), pipeline, quarterStart, monthStart)
	if err != nil {
		return nil, db.Translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[forecastRow])
	if err != nil {
		return nil, db.Translate(err)
	}
	f := &Forecast{Months: months, Total: ForecastRow{OwnerName: "Total"}}
	for _, r := range list {
		if len(f.Rows) == 0 || f.Rows[len(f.Rows)-1].OwnerID != r.OwnerID {
			f.Rows = append(f.Rows, ForecastRow{OwnerID: r.OwnerID, OwnerName: r.OwnerName})
		}
		row := &f.Rows[len(f.Rows)-1]
		c := ForecastCell{Deals: r.Deals, AmountCents: r.AmountCents, WeightedCents: r.WeightedCents}
		switch r.Kind {
		case "open":
			for i, m := range months {
				if r.Month != nil && r.Month.Equal(m) {
					row.Months[i].add(c)
					row.Total.add(c)
				}
			}
		case "won_month":
			row.WonMonth.add(c)
			row.WonQuarter.add(c)
		case "won_quarter":
			row.WonQuarter.add(c)
		}
	}
	for _, row := range f.Rows {
		for i := range row.Months {
			f.Total.Months[i].add(row.Months[i])
		}
		f.Total.Total.add(row.Total)
		f.Total.WonMonth.add(row.WonMonth)
		f.Total.WonQuarter.add(row.WonQuarter)
	}
	return f, nil
}

// forecastPage is what the forecast shows.
type forecastPage struct {
	Forecast   *Forecast
	Pipelines  []Pipeline
	PipelineID string
	Export     string
}

// ForecastShow is the forecast (GET /crm/forecast, ?pipeline= for one pipeline): open
// deals by expected close month for the next six months, per rep and in total, raw and
// weighted, with what was won this month and this quarter; a chart and the numbers in
// a table. /crm/forecast.csv exports the table. Two statements: the choices, then the
// forecast.
func (s *Service) ForecastShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	choices, err := LoadChoices(ctx, s.DB)
	if err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	p := forecastPage{Pipelines: choices.Pipelines}
	var pipeline *string
	if pl := findPipeline(choices.Pipelines, r.URL.Query().Get("pipeline")); pl != nil {
		p.PipelineID, pipeline = pl.ID, &pl.ID
	}
	if p.Forecast, err = LoadForecast(ctx, s.DB, pipeline, time.Now(), httpx.Location(ctx)); err != nil {
		s.Pages.Fail(w, r, err)
		return
	}
	if wantsCSV(r) {
		s.forecastCSV(w, r, p.Forecast)
		return
	}
	p.Export = exportURL("/crm/forecast", r.URL.Query())
	s.Pages.Render(w, r, http.StatusOK, "Forecast", forecastShowPage(p))
}

// forecastCSV writes the forecast's table: a line per rep and month, then the totals
// (owner "Total", no id).
func (s *Service) forecastCSV(w http.ResponseWriter, r *http.Request, f *Forecast) {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="forecast.csv"`)
	w.WriteHeader(http.StatusOK)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"owner_id", "owner", "month", "deals", "amount_cents", "weighted_cents"})
	for _, row := range append(f.Rows, f.Total) {
		for i, m := range f.Months {
			c := row.Months[i]
			_ = cw.Write([]string{row.OwnerID, csvCell(row.OwnerName), m.Format("2006-01"), strconv.FormatInt(c.Deals, 10),
				csvInt(c.AmountCents), csvInt(c.WeightedCents)})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.Log.ErrorContext(r.Context(), "csv export", "err", err, "file", "forecast.csv")
	}
}

// monthLabel is a forecast month for people ("Jan 2027").
func monthLabel(m time.Time) string { return m.Format("Jan 2006") }
