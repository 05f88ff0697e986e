package bench

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"
)

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func (r *Result) targetsSection(p func(string, ...any)) {
	p("## Targets")
	p("")
	p("Issue 5's targets at scale 20 on a 2-core machine, as written (not loosened). A page view is a GET; the three posts are listed apart.")
	p("")
	p("| Target | Verdict | Pages over it |")
	p("|---|---|---|")

	var over, writes []string
	for _, pr := range r.Pages {
		// To the table's two decimals, as the table shows it.
		n := math.Round(100*pr.SoloSQL.PerRequest()) / 100
		switch {
		case pr.Page.Method != http.MethodGet:
			writes = append(writes, fmt.Sprintf("%s %s", pr.Page.Name, perReq(n)))
		case n > targetStatements:
			over = append(over, fmt.Sprintf("%s %s", pr.Page.Name, perReq(n)))
		}
	}
	p("| At most %d statements per page view | %s | %s (posts, for reference: %s) |", targetStatements,
		verdict(len(over) == 0), orNothing(over), strings.Join(writes, ", "))

	over = nil
	measured := 0
	for _, pr := range r.Pages {
		if pr.Floor.TPS <= 0 {
			continue
		}
		measured++
		if s := pr.SoloRate / pr.Floor.TPS; s < targetFloorShare {
			over = append(over, fmt.Sprintf("%s %.1f%%", pr.Page.Name, 100*s))
		}
	}
	if measured == 0 {
		p("| At least %.0f%% of the SQL-alone rate | not measured | %s |", 100*targetFloorShare, r.FloorIssue)
	} else {
		p("| At least %.0f%% of the SQL-alone rate | %s | %s |", 100*targetFloorShare, verdict(len(over) == 0), orNothing(over))
	}

	over = nil
	for _, pr := range r.Pages {
		if q := pr.Mixed.Percentile(99); q > targetP99 {
			over = append(over, fmt.Sprintf("%s %s", pr.Page.Name, ms(q)))
		}
	}
	all := r.MixedTotal.Percentile(99)
	p("| p99 at most %s with %d clients (mixed load) | %s | all requests %s; %s |", ms(targetP99), r.Config.Concurrency,
		verdict(len(over) == 0), ms(all), orNothing(over))
	peak := r.RSSPeakKB * 1024
	p("| Peak RSS under 100 MB | %s | %s at the end, %s after the mixed load |", verdict(peak < targetRSSBytes), mb(r.RSSPeakKB), mb(r.RSSMixedKB))
	p("")
}

func orNothing(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func (r *Result) timeSection(p func(string, ...any)) {
	c := r.CPU
	p("## Where the time goes")
	p("")
	if c.Wall > 0 {
		capacity := float64(c.Wall) * float64(r.Machine.CPUs)
		share := func(d time.Duration) string { return fmt.Sprintf("%.0f%%", 100*float64(d)/capacity) }
		other := c.Other()
		p("CPU used during the measured mixed load (/proc; %s × %d processors = %.0f CPU-seconds available):",
			c.Wall.Round(time.Second), r.Machine.CPUs, capacity/float64(time.Second))
		p("")
		p("| Process | CPU-seconds | share of the machine |")
		p("|---|--:|--:|")
		p("| Server (`rapport serve`) | %.1f | %s |", c.Server.Seconds(), share(c.Server))
		p("| Postgres (postmaster and backends) | %.1f | %s |", c.Postgres.Seconds(), share(c.Postgres))
		p("| PgBouncer | %.1f | %s |", c.Pooler.Seconds(), share(c.Pooler))
		p("| Load generator (this test binary) | %.1f | %s |", c.LoadGen.Seconds(), share(c.LoadGen))
		p("| Everything else | %.1f | %s |", other.Seconds(), share(other))
		p("| Idle | %.1f | %s |", (time.Duration(capacity) - c.Machine).Seconds(), share(time.Duration(capacity)-c.Machine))
		p("")
		p("%s", r.otherWork())
		p("")
	}
	if line := pgWorkLine(r.PG, r.MixedTotal.Count(), c.Postgres); line != "" {
		p("%s", line)
		p("")
	}
	pr := r.Profile
	switch {
	case r.Config.Profile == 0:
		p("No CPU profile (-profile 0).")
	case pr.Problem != "":
		p("No CPU profile: %s.", pr.Problem)
	default:
		p("perf (`perf record -e cpu-clock -F 499 -a -g`) on every processor during %.0f s more of the same mix:", pr.Seconds)
		p("")
		shareTable(p, "Process", "% of the machine's samples", pr.ByParty, 10)
		requestTable(p, pr.Server)
		shareTable(p, "Server: the kind of work (innermost match)", "% of the server's samples", pr.Server.ByWork, 16)
		shareTable(p, "Server: function (self)", "% of the server's samples", pr.ServerSelf, 15)
		p("Postgres spent %.0f%% of its samples in the kernel (system calls: client sockets, reading pages from the OS cache; scheduling).", pr.PostgresKernel)
		p("")
		shareTable(p, "Postgres: function (self, names Debian's binary keeps)", "% of this run's Postgres samples", pr.PostgresSelf, 15)
	}
	p("")
}

func shareTable(p func(string, ...any), what, unit string, shares []Share, n int) {
	p("| %s | %s |", what, unit)
	p("|---|--:|")
	for i, s := range shares {
		if i == n || s.Percent < 0.05 {
			break
		}
		p("| `%s` | %.1f |", strings.ReplaceAll(s.Name, "|", `\|`), s.Percent)
	}
	p("")
}

func methodSection(p func(string, ...any), c Config) {
	p("## Method")
	p("")
	p("- **req/s**: requests that started inside the measured window, over its length. Every user waits for the whole answer before asking again.")
	p("- **p50/p95/p99**: latency seen by the client, from sending the request to reading the last byte of the body, nearest rank. Redirects are not followed: a post is measured alone.")
	p("- **errors**: requests without an answer, or with another status than the page's (200 for pages, 303 for posts), so a 3xx to the sign-in page counts; this is stricter than non-2xx/3xx.")
	p("- **SQL/req**: the server's own `/metrics` deltas over the window (its metrics listener, `METRICS_ADDR`), `rapport_db_statements_total{method,route}` over `http_request_duration_seconds_count` for the method and route, session lookup and any session write included; `BEGIN` and `COMMIT` count as statements. The session lookup also moves the session's idle clock (at most once a minute, in the same statement), and a post's flash message travels in a cookie, so a view after a pause or after a post costs no more than any other. The statements target reads the page alone, to two decimals.")
	p("- **captured SQL/req**: the statements of each of the %d requests per page made one at a time behind a recording proxy (Capture), kept only when the server's count agreed.", c.Samples)
	p("- **SQL alone**: pgbench (`-M simple`, each statement its own query, as the server sends them) through the same PgBouncer, %d clients, replaying the captured requests (one script each, picked at random); a script is one page's worth of SQL, so scripts/s is the rate the database alone allows. The posts' scripts write too (a reply's script locks and updates its ticket, so %d clients contend on %d tickets).", c.Concurrency, c.Concurrency, c.Samples)
	p("- **page / SQL alone**: the page alone (same clients, same pooler) over that rate. The server, PgBouncer, Postgres, pgbench and the load generator share the same processors.")
	p("- **Peak RSS**: VmHWM of the server process from /proc/<pid>/status.")
	p("- **Other processes**: CPU time from /proc of everything that is not the server, this run's Postgres and PgBouncer, or the load generator (with pgbench). A page alone or its SQL alone that they took more than %.0f%% of the machine from is measured again, %d times in all at most, and the least disturbed measurement is kept.", 100*disturbed, retries)
	p("")
}

// otherWork says how much of the machine processes outside the run took during each
// measurement, and warns when it was more than a tenth.
func (r *Result) otherWork() string {
	cpus := r.Machine.CPUs
	mixed := r.CPU.OtherShare(cpus)
	var solo, floor float64
	var soloAt, floorAt string
	for _, pr := range r.Pages {
		if pr.SoloOther > solo {
			solo, soloAt = pr.SoloOther, pr.Page.Name
		}
		if pr.FloorOther > floor {
			floor, floorAt = pr.FloorOther, pr.Page.Name
		}
	}
	s := fmt.Sprintf("Processes outside this run used %.0f%% of the machine during the mixed load, at most %.0f%% while a page ran alone (%s) and at most %.0f%% while its SQL ran alone (%s).",
		100*mixed, 100*solo, orDash(soloAt), 100*floor, orDash(floorAt))
	if max(mixed, solo, floor) > 0.1 {
		s += " **Other work competed for the processors**: the figures it overlapped are pessimistic."
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// requestTable lists the server's samples by request, each with its main kinds of work.
func requestTable(p func(string, ...any), b Breakdown) {
	p("| Server: the request a sample served | %% of the server's samples | its main kinds of work (%% of its samples) |")
	p("|---|--:|---|")
	for _, s := range b.ByRequest {
		if s.Percent < 0.05 {
			break
		}
		var works []string
		for i, w := range b.WorkOf[s.Name] {
			if i == 4 || w.Percent < 5 {
				break
			}
			works = append(works, fmt.Sprintf("%s %.0f", w.Name, w.Percent))
		}
		p("| %s | %.1f | %s |", s.Name, s.Percent, strings.Join(works, "; "))
	}
	p("")
}
