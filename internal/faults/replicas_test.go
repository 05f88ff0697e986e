package faults

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rapport/internal/testenv"
)

// Two replicas on one database behind a round-robin reverse proxy: a session started on
// one is valid on the other (and ended on both by signing out on either); failed
// sign-ins spread over both lock the account on both; the two outbox workers deliver
// each email exactly once.
func TestTwoReplicas(t *testing.T) {
	d := testenv.NewDB(t)
	seedDemo(t, d)
	mb := startMailbox(t)

	rr := &roundRobin{}
	proxy := httptest.NewUnstartedServer(rr)
	publicURL := "http://" + proxy.Listener.Addr().String()
	extra := mb.env()
	extra["BASE_URL"] = publicURL
	a := startRapport(t, d, "replica-a", extra)
	b := startRapport(t, d, "replica-b", extra)
	a.waitReady(20 * time.Second)
	b.waitReady(20 * time.Second)
	rr.add(t, a, b)
	proxy.Start()
	t.Cleanup(proxy.Close)

	t.Run("session", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		onA := newBrowser(a.url, 30*time.Second)
		onA.mustSignIn(t, "customer1@example.com", demoPassword)
		onB := onA.at(b.url) // the same browser (cookie jar), talking to replica B
		r := onB.get(ctx, "/support")
		if r.status != http.StatusOK || !strings.Contains(r.body, "Carol Chen") {
			t.Fatalf("session from A on B: %d to %q, want 200 with the user's name", r.status, r.location)
		}
		viaProxy := onA.at(publicURL)
		served := map[string]int{}
		for range 8 {
			r := viaProxy.get(ctx, "/support")
			if r.status != http.StatusOK {
				t.Fatalf("through the proxy: %d to %q %v", r.status, r.location, r.err)
			}
			served[r.header.Get(replicaHeader)]++
		}
		if served[a.name] == 0 || served[b.name] == 0 {
			t.Fatalf("the proxy did not spread the page views: %v", served)
		}
		out := onB.post(ctx, "/signout", url.Values{})
		if out.status != http.StatusSeeOther {
			t.Fatalf("sign out on B: %d", out.status)
		}
		after := onA.get(ctx, "/support")
		if after.status != http.StatusSeeOther || !strings.HasPrefix(after.location, "/signin") {
			t.Errorf("after signing out on B, A answered %d to %q, want 303 to /signin", after.status, after.location)
		}
		t.Logf("session: signed in on %s, page on %s 200, 8 page views through the proxy %v all 200; signed out on %s, then %s answered %d to %s",
			a.name, b.name, served, b.name, a.name, after.status, after.location)
	})

	t.Run("throttle", func(t *testing.T) {
		const email = "customer2@example.com"
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		viaProxy := newBrowser(publicURL, 30*time.Second)
		served := map[string]int{}
		for i := range 5 {
			r := viaProxy.signIn(ctx, email, "wrong-password-"+fmt.Sprint(i))
			if r.status != http.StatusUnauthorized {
				t.Fatalf("failed sign-in %d through the proxy: %d %v, want 401", i+1, r.status, r.err)
			}
			served[r.header.Get(replicaHeader)]++
		}
		if served[a.name] == 0 || served[b.name] == 0 {
			t.Fatalf("the proxy did not spread the failures: %v", served)
		}
		locked := map[string]int{}
		for _, in := range []*instance{a, b} {
			r := newBrowser(in.url, 30*time.Second).signIn(ctx, email, demoPassword)
			locked[in.name] = r.status
			if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "Too many failed sign-ins") || r.header.Get("Retry-After") == "" {
				t.Errorf("right password on %s after 5 failures: %d, want 429 with Retry-After and the lock message", in.name, r.status)
			}
		}
		var failures int
		if err := direct(t, d).QueryRow(ctx, `SELECT failures FROM auth_throttle WHERE key = $1`, "pair:"+email+"|127.0.0.1").Scan(&failures); err != nil {
			t.Fatal(err)
		}
		if failures != 5 {
			t.Errorf("auth_throttle counts %d failures for the account from the proxy's client, want 5", failures)
		}
		t.Logf("throttle: 5 wrong passwords through the proxy (served %v), counted %d in auth_throttle; then the right one answered %v", served, failures, locked)
	})

	t.Run("outbox", func(t *testing.T) {
		const n = 20
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		viaProxy := newBrowser(publicURL, 30*time.Second)
		emails := make([]string, n)
		for i := range emails {
			emails[i] = fmt.Sprintf("outbox-%d@faults.test", i+1)
			if r := viaProxy.visitor().signUp(ctx, emails[i]); !acked(r) {
				t.Fatalf("sign up %s: %d %v", emails[i], r.status, r.err)
			}
		}
		// Ask for the resets all at once, so that both workers find mail due.
		var wg sync.WaitGroup
		var asked atomic.Int32
		for _, e := range emails {
			wg.Go(func() {
				r := viaProxy.visitor().post(ctx, "/forgot-password", url.Values{"email": {e}})
				if r.status == http.StatusOK {
					asked.Add(1)
				} else {
					t.Errorf("forgot password %s: %d %v", e, r.status, r.err)
				}
			})
		}
		wg.Wait()

		// Each recipient gets two emails: the sign-up's confirmation and the reset.
		start := time.Now()
		for mb.count() < 2*n && time.Since(start) < 30*time.Second {
			time.Sleep(100 * time.Millisecond)
		}
		deliveredIn := time.Since(start)
		time.Sleep(3 * time.Second) // a duplicate would come now
		got := mb.byRecipient()
		for _, e := range emails {
			if got[e] != 2 {
				t.Errorf("%s received %d emails, want 2 (confirmation and reset)", e, got[e])
			}
		}
		for to, c := range got {
			if c > 2 {
				t.Errorf("%s received %d emails", to, c)
			}
		}
		var rows, sent, maxAttempts int
		if err := direct(t, d).QueryRow(ctx, `SELECT count(*), count(sent_at), coalesce(max(attempts), 0) FROM mail_outbox`).Scan(&rows, &sent, &maxAttempts); err != nil {
			t.Fatal(err)
		}
		if sent != rows || mb.count() != sent {
			t.Errorf("outbox has %d messages, %d marked sent; the mailbox received %d", rows, sent, mb.count())
		}
		byA, byB := a.countLog("mail sent", "INFO"), b.countLog("mail sent", "INFO")
		t.Logf("outbox: %d resets asked through the proxy; %d emails received within %s, %d distinct recipients, none twice after 3s more; outbox rows %d, sent %d, most attempts %d; sent by %s %d, by %s %d",
			asked.Load(), mb.count(), ms(deliveredIn), len(got), rows, sent, maxAttempts, a.name, byA, b.name, byB)
		if maxAttempts > 1 {
			t.Errorf("a message took %d attempts, want 1 each: a worker sent or claimed it twice", maxAttempts)
		}
		if byA+byB != 2*n {
			t.Errorf("the replicas logged %d sends, want %d", byA+byB, 2*n)
		}
	})
}

// replicaHeader names, in each response through the proxy, the replica that served it.
const replicaHeader = "X-Faults-Replica"

// roundRobin is a reverse proxy that hands each request to the next replica in turn.
type roundRobin struct {
	names   []string
	proxies []*httputil.ReverseProxy
	next    atomic.Uint64
}

func (rr *roundRobin) add(t testing.TB, replicas ...*instance) {
	for _, in := range replicas {
		target, err := url.Parse(in.url)
		if err != nil {
			t.Fatal(err)
		}
		rr.names = append(rr.names, in.name)
		rr.proxies = append(rr.proxies, &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host // the app sees the public host, as behind a real proxy
			r.SetXForwarded()
		}})
	}
}

func (rr *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := int(rr.next.Add(1)-1) % len(rr.proxies)
	w.Header().Set(replicaHeader, rr.names[i])
	rr.proxies[i].ServeHTTP(w, r)
}
