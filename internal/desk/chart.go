package desk

import (
	"math"
	"strconv"
	"strings"
	"time"

	"rapport/web/chart"
)

// The reports' charts are SVG drawn on the server, coloured in desk.css by class (the
// CSP forbids inline styles). The bar charts are web/chart's; the backlog's line chart
// is the desk's own (geometry here, markup in reports.templ), on web/chart's pieces.

// chartLine is one series of a line chart, as an SVG polyline's points.
type chartLine struct {
	Priority Priority
	Points   string
	Last     int
}

// lineChart is the backlog over time, one line per priority.
type lineChart struct {
	Width, Height int
	Left, Bottom  int // the plot area's left and bottom edges
	Right, Top    int
	Lines         []chartLine
	XLabels       []chart.Label
	YLabels       []chart.Label // also the horizontal grid lines' heights
	Empty         bool
}

// backlogChart lays out the backlog points (days in order, a point per priority per day).
func backlogChart(points []backlogPoint) lineChart {
	c := lineChart{Width: 640, Height: 240, Left: 44, Right: 630, Top: 12, Bottom: 210}
	var days []time.Time
	series := map[Priority][]int{}
	maxV := 0
	for _, p := range points {
		if len(days) == 0 || !days[len(days)-1].Equal(p.Day) {
			days = append(days, p.Day)
		}
		series[p.Priority] = append(series[p.Priority], p.Count)
		maxV = max(maxV, p.Count)
	}
	if len(days) == 0 {
		c.Empty = true
		return c
	}
	top := niceCeil(maxV)
	x := func(i int) int {
		if len(days) == 1 {
			return c.Left
		}
		return c.Left + i*(c.Right-c.Left)/(len(days)-1)
	}
	y := func(v int) int { return c.Bottom - v*(c.Bottom-c.Top)/top }
	for _, pr := range Priorities {
		vals := series[pr]
		pts := make([]string, len(vals))
		for i, v := range vals {
			pts[i] = strconv.Itoa(x(i)) + "," + strconv.Itoa(y(v))
		}
		line := chartLine{Priority: pr, Points: strings.Join(pts, " ")}
		if len(vals) > 0 {
			line.Last = vals[len(vals)-1]
		}
		c.Lines = append(c.Lines, line)
	}
	for i := 0; i <= 4; i++ {
		v := top * i / 4
		c.YLabels = append(c.YLabels, chart.Label{X: c.Left - 6, Y: y(v), Text: strconv.Itoa(v)})
	}
	for i, d := range days {
		if i%7 == 0 || (i == len(days)-1 && i%7 >= 4) {
			c.XLabels = append(c.XLabels, chart.Label{X: x(i), Y: c.Bottom + 18, Text: d.Format("2 Jan")})
		}
	}
	return c
}

// niceCeil is the top of an axis showing v in four equal steps: 4 × the smallest of
// 1, 2, 5 × 10^k that is at least v/4, so that every grid line is a round number.
func niceCeil(v int) int {
	step := max(1, (v+3)/4)
	p := int(math.Pow10(int(math.Floor(math.Log10(float64(step))))))
	for _, m := range []int{1, 2, 5, 10} {
		if m*p >= step {
			return 4 * m * p
		}
	}
	return 40 * p
}

// timeChart draws each priority's median and 90th percentile as two bars.
func timeChart(stats []timeStats, labelledBy string) chart.Bars {
	return priorityBars(stats, labelledBy, 0, func(s timeStats) []chart.Bar {
		return []chart.Bar{{Class: "bar-p50", Value: s.P50, Text: fmtSeconds(s.P50)}, {Class: "bar-p90", Value: s.P90, Text: fmtSeconds(s.P90)}}
	})
}

// attainmentChart draws each priority's share of targets met, on a scale to 100%.
func attainmentChart(stats []timeStats, labelledBy string) chart.Bars {
	return priorityBars(stats, labelledBy, 100, func(s timeStats) []chart.Bar {
		a := s.Attainment()
		if a < 0 {
			return []chart.Bar{{Class: "bar-met", Text: "—"}}
		}
		return []chart.Bar{{Class: "bar-met", Value: chart.Value(a), Text: strconv.FormatFloat(a, 'f', 1, 64) + "%"}}
	})
}

// priorityBars is a row of bars per priority (and "All"); the page's tables beside the
// charts hold the same numbers, so the chart has none of its own.
func priorityBars(stats []timeStats, labelledBy string, top float64, bars func(timeStats) []chart.Bar) chart.Bars {
	c := chart.Bars{LabelledBy: labelledBy, Max: top}
	for _, s := range stats {
		c.Rows = append(c.Rows, chart.Row{Label: reportLabel(s.Priority), Bars: bars(s)})
	}
	return c
}

// fmtSeconds writes a duration given in seconds as the desk does ("3h10m"), or "—".
func fmtSeconds(s *float64) string {
	if s == nil {
		return "—"
	}
	return FormatDuration(time.Duration(*s * float64(time.Second)))
}
