package crm

import (
	"rapport/web"
	"rapport/web/chart"
)

// overviewBar is one stage's figure on the overview: how many deals, worth how much.
type overviewBar struct {
	Label string
	Count int64
	Cents int64
	Class string // the bar's colour, from crm.css
}

// moneyChart is a bar per stage, scaled to the largest amount, each written as
// "$2,000 · 1 deal".
func moneyChart(title string, bars ...overviewBar) chart.Bars {
	c := chart.Bars{Title: title, Track: true, Table: true}
	for _, b := range bars {
		c.Rows = append(c.Rows, chart.Row{Label: b.Label, Bars: []chart.Bar{{
			Class: b.Class,
			Value: chart.Value(float64(b.Cents)),
			Text:  FormatMoney(b.Cents) + " · " + web.Count(int(b.Count), "deal", "deals"),
		}}})
	}
	return c
}
