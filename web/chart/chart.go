// Package chart draws the charts pages show: SVG laid out on the server, coloured by
// class from the stylesheets (the CSP forbids inline styles), with the numbers written
// beside the marks. The layout is computed here; the markup is in bar.templ.
package chart

import (
	"math"
	"strconv"

	"github.com/a-h/templ"
)

// Label is a piece of text at a point of a chart.
type Label struct {
	X, Y int
	Text string
}

// ViewBox is an SVG viewBox of w by h from the origin.
func ViewBox(w, h int) string { return "0 0 " + strconv.Itoa(w) + " " + strconv.Itoa(h) }

// Bar is one bar of a bar chart.
type Bar struct {
	Class string   // the bar's colour, a class from the stylesheets
	Value *float64 // on the chart's scale; nil when there is no value (a short stub is drawn)
	Text  string   // written after the bar: the figure as people read it
}

// Row is one labelled row of a bar chart: one bar, or a few side by side (a median
// and a 90th percentile).
type Row struct {
	Label string
	Bars  []Bar
}

// Bars is a horizontal bar chart. Its accessible name is the element LabelledBy names
// (a heading on the page), or else Title.
type Bars struct {
	Title      string
	LabelledBy string
	Rows       []Row
	// Max is the value of a full-length bar; 0 scales to the largest value.
	Max float64
	// Track draws each bar's full length behind it, for charts of a few rows where the
	// share of the whole is the point.
	Track bool
	// Table repeats the figures in a table only screen readers see, for a page that
	// shows no table of its own beside the chart.
	Table bool
}

// The bar chart's geometry, in the SVG's units (it scales to its box).
const (
	labelW  = 96  // the row labels' column; labels end 8 before the bars
	barMaxW = 260 // a full-length bar
	barH    = 16  // one bar's height; bars of a row touch
	rowGap  = 10  // between rows
	textGap = 6   // between a bar (or its track) and its figure
	width   = 560 // room for the longest figure ("$12,345,678 · 1,234 deals")
)

// box is a bar as drawn.
type box struct {
	Class      string
	X, Y, W, H int
	Track      bool
	Text       Label
}

// layout is a bar chart's rows and bars in place.
type layout struct {
	Width, Height int
	Labels        []Label
	Boxes         []box
}

// scale is the value of a full-length bar.
func (c Bars) scale() float64 {
	if c.Max > 0 {
		return c.Max
	}
	var top float64
	for _, r := range c.Rows {
		for _, b := range r.Bars {
			if b.Value != nil && *b.Value > top {
				top = *b.Value
			}
		}
	}
	return top
}

// length is a bar's length: at least 2 so that a small or missing figure still shows
// where it would be.
func length(v *float64, top float64) int {
	w := 0
	if v != nil && top > 0 && *v > 0 {
		w = int(math.Round(min(*v, top) / top * barMaxW))
	}
	return max(w, 2)
}

func (c Bars) layout() layout {
	top := c.scale()
	l := layout{Width: width}
	y := rowGap / 2
	for _, r := range c.Rows {
		l.Labels = append(l.Labels, Label{X: labelW - 8, Y: y + len(r.Bars)*barH/2 + 4, Text: r.Label})
		for _, b := range r.Bars {
			w := length(b.Value, top)
			end := w
			if c.Track {
				end = barMaxW
			}
			l.Boxes = append(l.Boxes, box{Class: b.Class, X: labelW, Y: y, W: w, H: barH - 2, Track: c.Track,
				Text: Label{X: labelW + end + textGap, Y: y + barH - 4, Text: b.Text}})
			y += barH
		}
		y += rowGap
	}
	l.Height = y - rowGap/2
	return l
}

// Value is v as a Bar's value.
func Value(v float64) *float64 { return &v }

func itoa(n int) string { return strconv.Itoa(n) }

// name is the SVG's accessible name: the heading it is labelled by, or its title.
func (c Bars) name() templ.Attributes {
	if c.LabelledBy != "" {
		return templ.Attributes{"aria-labelledby": c.LabelledBy}
	}
	return templ.Attributes{"aria-label": c.Title}
}
