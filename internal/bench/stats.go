package bench

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Tally is one page's outcomes in one phase: the latency of every answered request, as
// the client saw it (request sent to body read), and the statuses.
type Tally struct {
	Latencies []time.Duration
	Status    map[int]int
	Failed    int    // no answer (transport error or timeout)
	Errors    int    // failed, or answered with another status than the page's
	FirstErr  string // the first error, for the report
}

func newTally() *Tally { return &Tally{Status: map[int]int{}} }

// add records one request; want is the status the page answers when it works.
func (t *Tally) add(status, want int, lat time.Duration, err error, detail string) {
	if err != nil {
		t.Failed++
		t.Errors++
		if t.FirstErr == "" {
			t.FirstErr = err.Error()
		}
		return
	}
	t.Latencies = append(t.Latencies, lat)
	t.Status[status]++
	if status != want {
		t.Errors++
		if t.FirstErr == "" {
			t.FirstErr = fmt.Sprintf("status %d: %.200s", status, detail)
		}
	}
}

// merge adds o's outcomes to t.
func (t *Tally) merge(o *Tally) {
	t.Latencies = append(t.Latencies, o.Latencies...)
	for s, n := range o.Status {
		t.Status[s] += n
	}
	t.Failed += o.Failed
	t.Errors += o.Errors
	if t.FirstErr == "" {
		t.FirstErr = o.FirstErr
	}
}

// Count is every request made, answered or not.
func (t *Tally) Count() int { return len(t.Latencies) + t.Failed }

// Percentile is the p-th percentile (nearest rank) of the answered requests' latency.
func (t *Tally) Percentile(p float64) time.Duration {
	return percentile(t.Latencies, p)
}

// Statuses lists the answers, "303×1200 409×2".
func (t *Tally) Statuses() string {
	var parts []string
	for _, s := range slices.Sorted(maps.Keys(t.Status)) {
		parts = append(parts, fmt.Sprintf("%d×%d", s, t.Status[s]))
	}
	if t.Failed > 0 {
		parts = append(parts, fmt.Sprintf("no answer×%d", t.Failed))
	}
	return strings.Join(parts, " ")
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(p/100*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}
