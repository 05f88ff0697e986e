package faults

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// testPassword is the password of every account the scenarios sign up.
const testPassword = "faults-password-1"

// browser is one simulated user: its own connections (keep-alive, like a browser), its
// own cookie jar, redirects not followed.
type browser struct {
	base string
	hc   *http.Client
	from string // X-Forwarded-For: the client address a visitor comes from ("" for none)
}

// visitors numbers the visitors' addresses: sign-up is throttled per client address
// (issue 9), and hundreds of people signing up at once come from many addresses. The
// instances trust the proxy header (startRapport sets TRUST_PROXY).
var visitors atomic.Uint32

func newBrowser(base string, timeout time.Duration) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{base: base, hc: &http.Client{
		Jar:       jar,
		Timeout:   timeout,
		Transport: &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// result is what one request came to.
type result struct {
	status   int
	location string
	header   http.Header
	body     string
	err      error
	start    time.Time
	wrote    time.Time // when the whole request had been written (zero if it never was)
	latency  time.Duration
}

// refused reports a request whose connection was refused: nothing listened any more.
func (r result) refused() bool { return r.err != nil && errors.Is(r.err, syscall.ECONNREFUSED) }

// busyPage reports a 503 that is the friendly page: Retry-After and the busy message.
func (r result) busyPage() bool {
	return r.status == http.StatusServiceUnavailable && r.header.Get("Retry-After") != "" &&
		strings.Contains(r.body, "busy right now")
}

func (b *browser) do(ctx context.Context, method, path string, form url.Values) (res result) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	var wrote atomic.Int64 // set on the transport's goroutine
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(time.Now().UnixNano()) }}
	defer func() {
		if n := wrote.Load(); n != 0 {
			res.wrote = time.Unix(0, n)
		}
	}()
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), method, b.base+path, body)
	if err != nil {
		res.err = err
		return res
	}
	if b.from != "" {
		req.Header.Set("X-Forwarded-For", b.from)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin") // what a browser sends for its own form
	}
	res.start = time.Now()
	resp, err := b.hc.Do(req)
	if err != nil {
		res.err = err
		res.latency = time.Since(res.start)
		return res
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	res.latency = time.Since(res.start)
	if err != nil {
		res.err = fmt.Errorf("reading the body: %w", err)
		return res
	}
	res.status, res.location, res.header, res.body = resp.StatusCode, resp.Header.Get("Location"), resp.Header, string(rb)
	return res
}

// visitor is a new visitor on b's connections: an empty cookie jar, as a new person's.
func (b *browser) visitor() *browser {
	jar, _ := cookiejar.New(nil)
	hc := *b.hc
	hc.Jar = jar
	n := visitors.Add(1)
	return &browser{base: b.base, hc: &hc, from: fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255)}
}

// at is the same browser (connections and cookies) talking to another base URL. The
// cookie jar ignores ports, as browsers do, so 127.0.0.1's session cookie goes along.
func (b *browser) at(base string) *browser { return &browser{base: base, hc: b.hc, from: b.from} }

func (b *browser) get(ctx context.Context, path string) result {
	return b.do(ctx, http.MethodGet, path, nil)
}

func (b *browser) post(ctx context.Context, path string, form url.Values) result {
	return b.do(ctx, http.MethodPost, path, form)
}

// signUp creates a customer; 200 ("check your inbox") is an acknowledged write.
func (b *browser) signUp(ctx context.Context, email string) result {
	return b.post(ctx, "/signup", url.Values{"name": {"Fault Tester"}, "email": {email}, "password": {testPassword}})
}

func (b *browser) signIn(ctx context.Context, email, password string) result {
	return b.post(ctx, "/signin", url.Values{"email": {email}, "password": {password}})
}

// mustSignIn signs in and fails the test unless it is acknowledged (303).
func (b *browser) mustSignIn(t testing.TB, email, password string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := b.signIn(ctx, email, password)
	if r.err != nil || r.status != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d %v\n%.300s", email, r.status, r.err, r.body)
	}
}

func (b *browser) close() { b.hc.CloseIdleConnections() }

// acked reports an acknowledged sign-up: the answer that says a confirmation is on its
// way (sign-up signs nobody in, so there is no redirect).
func acked(r result) bool { return r.err == nil && r.status == http.StatusOK }

// runLoad runs fn in n workers, each calling it in a loop with its worker number and a
// sequence number, until ctx is done or fn returns false. The returned func waits for
// the workers.
func runLoad(ctx context.Context, n int, fn func(ctx context.Context, w, i int) bool) (wait func()) {
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				if !fn(ctx, w, i) {
					return
				}
			}
		})
	}
	return wg.Wait
}

// stopFlag ends a load between two requests, so that none is cut short by the test.
type stopFlag struct{ atomic.Bool }

// after sets the flag once d has passed.
func (f *stopFlag) after(d time.Duration) *stopFlag {
	time.AfterFunc(d, func() { f.Store(true) })
	return f
}

// tally counts outcomes of many requests, safely from many workers.
type tally struct {
	mu       sync.Mutex
	n        int
	byStatus map[int]int
	errs     []string // transport errors, first few
	nErrs    int
	lat      []time.Duration // answered requests
	latBy    map[int][]time.Duration
	bad503   int // 503 without Retry-After or without the busy page
}

func newTally() *tally { return &tally{byStatus: map[int]int{}, latBy: map[int][]time.Duration{}} }

func (t *tally) add(r result) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n++
	if r.err != nil {
		t.nErrs++
		if len(t.errs) < 5 {
			t.errs = append(t.errs, r.err.Error())
		}
		return
	}
	t.byStatus[r.status]++
	t.lat = append(t.lat, r.latency)
	t.latBy[r.status] = append(t.latBy[r.status], r.latency)
	if r.status == http.StatusServiceUnavailable && !r.busyPage() {
		t.bad503++
	}
}

// count is the number of answers with one of statuses.
func (t *tally) count(statuses ...int) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, s := range statuses {
		n += t.byStatus[s]
	}
	return n
}

// other is the number of answers with none of statuses.
func (t *tally) other(statuses ...int) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for s, c := range t.byStatus {
		if !slices.Contains(statuses, s) {
			n += c
		}
	}
	return n
}

// latencies are the latencies of the answers with one of statuses.
func (t *tally) latencies(statuses ...int) []time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []time.Duration
	for _, s := range statuses {
		out = append(out, t.latBy[s]...)
	}
	return out
}

func (t *tally) maxLatency() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Max(append([]time.Duration{0}, t.lat...))
}

func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var parts []string
	for _, s := range slices.Sorted(maps.Keys(t.byStatus)) {
		parts = append(parts, fmt.Sprintf("%d×%d", t.byStatus[s], s))
	}
	s := fmt.Sprintf("%d requests: %s, %d without answer", t.n, strings.Join(parts, " "), t.nErrs)
	if len(t.lat) > 0 {
		s += fmt.Sprintf(", latency p50 %s p99 %s max %s", ms(percentile(t.lat, 50)), ms(percentile(t.lat, 99)), ms(slices.Max(t.lat)))
	}
	return s
}

// percentile is the p-th percentile (nearest rank) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(p/100*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// ms formats d in milliseconds, for summaries.
func ms(d time.Duration) string { return fmt.Sprintf("%.0fms", float64(d)/float64(time.Millisecond)) }

// writeLog records every sign-up attempt by email: each email is tried once.
type writeLog struct {
	mu  sync.Mutex
	res map[string]result
	seq atomic.Int64
}

func newWriteLog() *writeLog { return &writeLog{res: map[string]result{}} }

// next is a fresh, unique email for a scenario.
func (l *writeLog) next(prefix string) string {
	return fmt.Sprintf("%s-%d@faults.test", prefix, l.seq.Add(1))
}

func (l *writeLog) add(email string, r result) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.res[email] = r
}

// refused counts the attempts among emails whose connection was refused.
func (l *writeLog) refused(emails []string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range emails {
		if l.res[e].refused() {
			n++
		}
	}
	return n
}

// split sorts the attempts: acknowledged (200), answered otherwise, and unanswered.
func (l *writeLog) split() (ack, other, none []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for e, r := range l.res {
		switch {
		case acked(r):
			ack = append(ack, e)
		case r.err == nil:
			other = append(other, e)
		default:
			none = append(none, e)
		}
	}
	return ack, other, none
}

func (l *writeLog) emails() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Collect(maps.Keys(l.res))
}
