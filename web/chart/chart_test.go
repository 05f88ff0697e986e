package chart

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func render(t *testing.T, c Bars) string {
	t.Helper()
	var b strings.Builder
	if err := BarChart(c).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Bars scale to the largest value (or Max), a missing or zero figure still shows as a
// stub, and figures follow the bar, or its track when there is one.
func TestBarLayout(t *testing.T) {
	t.Parallel()
	c := Bars{Title: "T", Rows: []Row{
		{Label: "A", Bars: []Bar{{Value: Value(50), Text: "50"}, {Value: Value(100), Text: "100"}}},
		{Label: "B", Bars: []Bar{{Value: Value(0), Text: "0"}, {Text: "—"}}},
	}}
	l := c.layout()
	var widths []int
	for _, b := range l.Boxes {
		widths = append(widths, b.W)
	}
	if want := []int{barMaxW / 2, barMaxW, 2, 2}; !slices.Equal(widths, want) {
		t.Errorf("widths %v, want %v", widths, want)
	}
	if got := l.Boxes[0].Text.X; got != labelW+barMaxW/2+textGap {
		t.Errorf("a figure without a track starts at %d, want just after its bar", got)
	}
	if len(l.Labels) != 2 || l.Labels[1].Y <= l.Boxes[1].Y || l.Height <= l.Boxes[3].Y+l.Boxes[3].H {
		t.Errorf("rows out of place: %+v, height %d", l, l.Height)
	}

	c.Max, c.Track = 200, true
	l = c.layout()
	if l.Boxes[1].W != barMaxW/2 || l.Boxes[0].Text.X != labelW+barMaxW+textGap {
		t.Errorf("with Max 200 and a track: %+v", l.Boxes[:2])
	}
	c.Max = 10 // a value past Max is drawn full length, never past the track
	if w := c.layout().Boxes[1].W; w != barMaxW {
		t.Errorf("a value past Max is %d long", w)
	}
}

// The chart is one named image, its figures escaped, and the hidden table repeats
// them only when asked.
func TestBarChartMarkup(t *testing.T) {
	t.Parallel()
	c := Bars{Title: `Won & "lost"`, Track: true, Rows: []Row{{Label: "<b>", Bars: []Bar{{Class: "bar-won", Value: Value(1), Text: "$1 · 1 deal"}}}}}
	html := render(t, c)
	for _, want := range []string{
		`<svg class="chart bar-chart" viewBox="0 0 560 `, `role="img" aria-label="Won &amp; &#34;lost&#34;"`,
		`<title>Won &amp; &#34;lost&#34;</title>`, `<rect class="track"`, `<rect class="bar bar-won"`,
		`>&lt;b&gt;</text>`, `>$1 · 1 deal</text>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("missing %s in\n%s", want, html)
		}
	}
	if strings.Contains(html, "<table") || regexp.MustCompile(`\sstyle=`).MatchString(html) {
		t.Errorf("a table without Table, or a style attribute:\n%s", html)
	}

	c.Table, c.LabelledBy = true, "heading"
	html = render(t, c)
	for _, want := range []string{`aria-labelledby="heading"`, `<table class="visually-hidden">`, `<th scope="row">&lt;b&gt;</th><td>$1 · 1 deal</td>`} {
		if !strings.Contains(html, want) {
			t.Errorf("missing %s in\n%s", want, html)
		}
	}
	if strings.Contains(html, "aria-label=") || strings.Contains(html, "<title>") {
		t.Errorf("labelled by a heading, the chart names itself too:\n%s", html)
	}
}
