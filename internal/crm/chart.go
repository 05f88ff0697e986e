package crm

// Bar is one bar of a server-rendered SVG bar chart.
type Bar struct {
	Label string
	Count int64
	Cents int64
	Class string // the bar's colour, from crm.css
}

// barChart lays out horizontal bars scaled to the largest amount.
type barChart struct {
	Title string
	Bars  []Bar
}

const (
	chartLabelW = 90  // the label column
	chartBarW   = 200 // the longest bar
	chartRowH   = 34
)

// width is the bar's length in the chart's units: at least 2 when it has any amount,
// so a small figure still shows.
func (c barChart) width(b Bar) int {
	var max int64
	for _, x := range c.Bars {
		if x.Cents > max {
			max = x.Cents
		}
	}
	if max == 0 || b.Cents == 0 {
		return 0
	}
	w := int(float64(b.Cents) / float64(max) * chartBarW)
	if w < 2 {
		w = 2
	}
	return w
}

func (c barChart) height() int { return len(c.Bars)*chartRowH + 8 }
