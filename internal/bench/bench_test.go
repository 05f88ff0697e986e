package bench

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"time"
)

// message builds a protocol message: a type byte (0: none), the length, the body.
func message(typ byte, body string) []byte {
	var b []byte
	if typ != 0 {
		b = append(b, typ)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(4+len(body)))
	return append(b, body...)
}

func TestCaptureRecordsQueriesAndForwardsEverything(t *testing.T) {
	var in bytes.Buffer
	ssl := binary.BigEndian.AppendUint32(nil, 80877103)
	startup := binary.BigEndian.AppendUint32(nil, 3<<16)
	in.Write(message(0, string(ssl)))
	in.Write(message(0, string(startup)+"user\x00postgres\x00\x00"))
	in.Write(message('Q', "SELECT 1\x00"))
	in.Write(message('Q', pingSQL+"\x00"))
	in.Write(message('X', ""))
	want := bytes.Clone(in.Bytes())

	c := &Capture{}
	var out bytes.Buffer
	if err := c.forward(&out, &in); err == nil || !strings.Contains(err.Error(), "EOF") {
		t.Fatalf("forward: %v, want EOF at the end", err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("forwarded %q, want %q", out.Bytes(), want)
	}
	if got := c.Take(); len(got) != 1 || got[0] != "SELECT 1" {
		t.Errorf("recorded %q, want [SELECT 1] (the ping is not the page's)", got)
	}
}

func TestMetricsDelta(t *testing.T) {
	before, err := ParseMetrics(strings.NewReader(`
# HELP http_request_duration_seconds Time to answer a request.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{code="200",method="GET",route="/desk/tickets/{id}",le="+Inf"} 10
http_request_duration_seconds_sum{code="200",method="GET",route="/desk/tickets/{id}"} 0.5
http_request_duration_seconds_count{code="200",method="GET",route="/desk/tickets/{id}"} 10
http_request_duration_seconds_count{code="303",method="POST",route="/desk/tickets/{id}"} 2
rapport_db_statements_total{method="GET",route="/desk/tickets/{id}"} 30
rapport_db_statements_total{method="POST",route="/desk/tickets/{id}"} 12
rapport_db_statements_total{method="",route="background"} 5
go_goroutines 12
`))
	if err != nil {
		t.Fatal(err)
	}
	after, err := ParseMetrics(strings.NewReader(`
http_request_duration_seconds_count{code="200",method="GET",route="/desk/tickets/{id}"} 20
http_request_duration_seconds_count{code="404",method="GET",route="/desk/tickets/{id}"} 1
http_request_duration_seconds_count{method="POST",route="/desk/tickets/{id}",code="303"} 4
rapport_db_statements_total{method="GET",route="/desk/tickets/{id}"} 63
rapport_db_statements_total{route="/desk/tickets/{id}",method="POST"} 30
rapport_db_statements_total{route="background"} 9
`))
	if err != nil {
		t.Fatal(err)
	}
	d := Delta(before, after, "GET", "/desk/tickets/{id}")
	if d.Requests != 11 || d.Statements != 33 || d.PerRequest() != 3 {
		t.Errorf("GET delta %+v, want 11 requests, 33 statements", d)
	}
	if d := Delta(before, after, "POST", "/desk/tickets/{id}"); d.Requests != 2 || d.Statements != 18 {
		t.Errorf("POST delta %+v, want 2 requests, 18 statements", d)
	}
	if bg := after.Statements["background"] - before.Statements["background"]; bg != 4 {
		t.Errorf("background statements %v, want 4", bg)
	}
	if got := (RouteDelta{}).PerRequest(); got != -1 {
		t.Errorf("no requests: %v, want -1", got)
	}
}

func TestPercentileNearestRank(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(101-i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 99: 99 * time.Millisecond, 100: 100 * time.Millisecond} {
		if got := percentile(ds, p); got != want {
			t.Errorf("p%v = %s, want %s", p, got, want)
		}
	}
}

func TestRoleShares(t *testing.T) {
	for n, want := range map[int][3]int{32: {12, 12, 8}, 8: {3, 3, 2}, 3: {1, 1, 1}, 1: {1, 1, 0}} {
		s := RoleShares(n)
		if got := [3]int{s[RoleSales], s[RoleAgent], s[RoleCustomer]}; got != want {
			t.Errorf("RoleShares(%d) = %v, want %v", n, got, want)
		}
	}
}

func TestClassifyNamesTheRoutesHandler(t *testing.T) {
	stack := []frame{
		{"runtime.memmove", "rapport"},
		{"github.com/a-h/templ/runtime.(*Buffer).WriteString", "rapport"},
		{"rapport/internal/crm.(*Service).renderDeal", "rapport"},
		{"rapport/internal/crm.(*Service).DealShow", "rapport"},
		{"net/http.(*conn).serve", "rapport"},
	}
	b := classify([][]frame{stack})
	if b.ByRequest[0].Name != "handler crm.DealShow" || b.ByWork[0].Name != "HTML rendering (templ)" {
		t.Errorf("classified as %v and %v", b.ByRequest, b.ByWork)
	}
	if w := b.WorkOf["handler crm.DealShow"]; len(w) != 1 || w[0].Percent != 100 {
		t.Errorf("the deal page's own work: %v", w)
	}
}

func TestShortName(t *testing.T) {
	for model, want := range map[string]string{
		"AMD EPYC": "2c-amd-epyc",
		"Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz": "2c-xeon-platinum-8375c",
	} {
		if got := (Machine{CPUModel: model, CPUs: 2}).ShortName(); got != want {
			t.Errorf("ShortName(%q) = %q, want %q", model, got, want)
		}
	}
}

func TestClassifyLoggingByItsOutermostFrame(t *testing.T) {
	logging := []frame{
		{"encoding/json.checkValid", "rapport"},
		{"log/slog.(*handleState).appendAttr", "rapport"},
		{"rapport/internal/server.(*Server).Handler.observe.func6.1", "rapport"},
	}
	decoding := []frame{
		{"encoding/json.checkValid", "rapport"},
		{"rapport/internal/desk.(*Service).renderDeskTicket", "rapport"},
	}
	if got := workOf(logging); got != "request logging (slog)" {
		t.Errorf("slog's JSON: %q", got)
	}
	if got := workOf(decoding); !strings.HasPrefix(got, "JSON") {
		t.Errorf("a handler's JSON: %q", got)
	}
}

// A replayed sign-in writes a new session row each time: the captured hashes become
// random ones, and nothing else in the statement changes.
func TestFreshSessionReplacesTheHashes(t *testing.T) {
	hash := `'\x` + strings.Repeat("ab", 32) + `'`
	stmt := `WITH replaced AS (DELETE FROM auth_session WHERE token_hash = ` + hash + `) INSERT INTO auth_session (token_hash, user_id) VALUES (` + hash + `, 'u1')`
	got := freshSession(stmt)
	if strings.Contains(got, hash) || strings.Count(got, "decode(md5(random()::text)") != 2 || !strings.Contains(got, "'u1'") {
		t.Fatalf("freshSession = %s", got)
	}
	other := `SELECT 1 FROM auth_session WHERE token_hash = ` + hash
	if freshSession(other) != other {
		t.Fatalf("a statement that writes no session changed: %s", freshSession(other))
	}
}
