package desk

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// The reports' charts are SVG drawn on the server: geometry here, markup in
// reports.templ, colours in desk.css by class (the CSP forbids inline styles).

// chartLabel is a piece of text at a point of a chart.
type chartLabel struct {
	X, Y int
	Text string
}

// chartLine is one series of a line chart, as an SVG polyline's points.
type chartLine struct {
	Priority string
	Points   string
	Last     int
}

// lineChart is the backlog over time, one line per priority.
type lineChart struct {
	Width, Height int
	Left, Bottom  int // the plot area's left and bottom edges
	Right, Top    int
	Lines         []chartLine
	XLabels       []chartLabel
	YLabels       []chartLabel // also the horizontal grid lines' heights
	Empty         bool
}

// backlogChart lays out the backlog points (days in order, a point per priority per day).
func backlogChart(points []backlogPoint) lineChart {
	c := lineChart{Width: 640, Height: 240, Left: 44, Right: 630, Top: 12, Bottom: 210}
	var days []time.Time
	series := map[string][]int{}
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
		c.YLabels = append(c.YLabels, chartLabel{X: c.Left - 6, Y: y(v), Text: strconv.Itoa(v)})
	}
	for i, d := range days {
		if i%7 == 0 || (i == len(days)-1 && i%7 >= 4) {
			c.XLabels = append(c.XLabels, chartLabel{X: x(i), Y: c.Bottom + 18, Text: d.Format("2 Jan")})
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

// bar is one bar of a horizontal bar chart, with its value written after it.
type bar struct {
	Class      string
	X, Y, W, H int
	Label      chartLabel
}

// barChart is a horizontal bar chart: a row of bars per priority.
type barChart struct {
	Width, Height int
	Rows          []chartLabel // the row names, at the left
	Bars          []bar
}

// timeChart draws each priority's median and 90th percentile as two bars.
func timeChart(stats []timeStats) barChart {
	var top float64
	for _, s := range stats {
		if s.P90 != nil {
			top = max(top, *s.P90)
		}
	}
	return bars(stats, func(s timeStats) []barValue {
		return []barValue{{"p50", s.P50, fmtSeconds(s.P50)}, {"p90", s.P90, fmtSeconds(s.P90)}}
	}, top)
}

// attainmentChart draws each priority's share of targets met.
func attainmentChart(stats []timeStats) barChart {
	return bars(stats, func(s timeStats) []barValue {
		a := s.Attainment()
		if a < 0 {
			return []barValue{{"met", nil, "—"}}
		}
		return []barValue{{"met", &a, strconv.FormatFloat(a, 'f', 1, 64) + "%"}}
	}, 100)
}

type barValue struct {
	class string
	v     *float64
	text  string
}

func bars(stats []timeStats, values func(timeStats) []barValue, top float64) barChart {
	const left, width, barH, gap = 70, 420, 12, 10
	c := barChart{Width: 580}
	y := 8
	for _, s := range stats {
		vals := values(s)
		c.Rows = append(c.Rows, chartLabel{X: left - 8, Y: y + len(vals)*barH/2 + 4, Text: statusLabel(s.Priority)})
		for _, v := range vals {
			w := 0
			if v.v != nil && top > 0 {
				w = int(math.Round(*v.v / top * width))
			}
			c.Bars = append(c.Bars, bar{Class: "bar-" + v.class, X: left, Y: y, W: max(w, 1), H: barH - 2,
				Label: chartLabel{X: left + max(w, 1) + 6, Y: y + barH - 3, Text: v.text}})
			y += barH
		}
		y += gap
	}
	c.Height = y
	return c
}

// fmtSeconds writes a duration given in seconds as the desk does ("3h10m"), or "—".
func fmtSeconds(s *float64) string {
	if s == nil {
		return "—"
	}
	return FormatDuration(time.Duration(*s * float64(time.Second)))
}
