package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

// Snapshot is what the server's /metrics said at one moment: requests by method and
// route pattern (every status code summed) and SQL statements by method and route.
type Snapshot struct {
	Requests   map[string]float64 // "GET /crm/deals/{id}"
	Statements map[string]float64 // "GET /crm/deals/{id}"; "background" is outside requests
}

var (
	sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$`)
	labelPair  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

// ParseMetrics reads the two series the benchmark needs from Prometheus text:
// http_request_duration_seconds_count (every code summed) and
// rapport_db_statements_total, whatever order their labels come in.
func ParseMetrics(r io.Reader) (Snapshot, error) {
	s := Snapshot{Requests: map[string]float64{}, Statements: map[string]float64{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		m := sampleLine.FindStringSubmatch(line)
		if m == nil || (m[1] != "http_request_duration_seconds_count" && m[1] != "rapport_db_statements_total") {
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			return s, fmt.Errorf("metrics: %q: %w", line, err)
		}
		labels := map[string]string{}
		for _, p := range labelPair.FindAllStringSubmatch(m[2], -1) {
			labels[p[1]] = p[2]
		}
		key := labels["route"]
		if labels["method"] != "" {
			key = labels["method"] + " " + key
		}
		if m[1] == "http_request_duration_seconds_count" {
			s.Requests[key] += v
		} else {
			s.Statements[key] += v
		}
	}
	return s, sc.Err()
}

// scrape fetches and parses the metrics listener's /metrics on a connection of its own.
func scrape(ctx context.Context, base string) (Snapshot, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return Snapshot{}, err
	}
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		return Snapshot{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Snapshot{}, fmt.Errorf("/metrics: %s", resp.Status)
	}
	return ParseMetrics(resp.Body)
}

// RouteDelta is one method and route's requests and statements between two snapshots.
type RouteDelta struct {
	Requests   float64
	Statements float64
}

// PerRequest is statements per request, or -1 without requests.
func (d RouteDelta) PerRequest() float64 {
	if d.Requests == 0 {
		return -1
	}
	return d.Statements / d.Requests
}

// Delta is what happened on method and route between before and after.
func Delta(before, after Snapshot, method, route string) RouteDelta {
	k := method + " " + route
	return RouteDelta{
		Requests:   after.Requests[k] - before.Requests[k],
		Statements: after.Statements[k] - before.Statements[k],
	}
}
