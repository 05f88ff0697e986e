package httpx

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"rapport/web"
)

// post leaves a flash; the next request carries the cookies the post set.
func flashRoundTrip(t *testing.T, p *Pages, kind, msg string) (web.Flash, *httptest.ResponseRecorder) {
	t.Helper()
	post := httptest.NewRecorder()
	p.Flash(post, httptest.NewRequest("POST", "/x", nil), kind, msg)
	next := httptest.NewRequest("GET", "/y", nil)
	for _, c := range post.Result().Cookies() {
		next.AddCookie(c)
	}
	page := httptest.NewRecorder()
	return p.popFlash(page, next), page
}

func TestFlashTravelsToTheNextPageAndIsTakenOnce(t *testing.T) {
	t.Parallel()
	p := &Pages{}
	hostile := `Deal "<script>alert(1)</script>" moved; O'Brien \ $1 -- ` + "\x00 \u202e"
	f, page := flashRoundTrip(t, p, "ok", hostile)
	if f != (web.Flash{Kind: "ok", Message: hostile}) {
		t.Fatalf("next page's flash = %#v", f)
	}
	cs := page.Result().Cookies()
	if len(cs) != 1 || cs[0].Name != flashCookie || cs[0].MaxAge >= 0 {
		t.Fatalf("taking the flash did not delete its cookie: %v", cs)
	}
	if f := (&Pages{}).popFlash(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil)); f != (web.Flash{}) {
		t.Errorf("a request without the cookie has a flash: %#v", f)
	}
}

// A page rendered in the same response as the Flash call shows it, the latest first.
func TestFlashInTheSameResponse(t *testing.T) {
	t.Parallel()
	p := &Pages{}
	w, r := httptest.NewRecorder(), httptest.NewRequest("GET", "/signin", nil)
	r.AddCookie(&http.Cookie{Name: flashCookie, Value: "b2sKb2xk"}) // "ok\nold"
	p.Flash(w, r, "info", "first")
	p.Flash(w, r, "info", "Your session has ended.")
	if f := p.popFlash(w, r); f.Message != "Your session has ended." {
		t.Fatalf("flash = %#v, want the latest one set", f)
	}
	lines := w.Header().Values("Set-Cookie")
	if last := lines[len(lines)-1]; !strings.Contains(last, "Max-Age=0") {
		t.Errorf("the last Set-Cookie does not delete the flash: %q", last)
	}
}

func TestFlashOverHTTPSIsAHostCookie(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	(&Pages{Secure: true}).Flash(w, httptest.NewRequest("POST", "/", nil), "ok", "Saved.")
	c := w.Result().Cookies()[0]
	if c.Name != "__Host-rapport_flash" || !c.Secure || c.Path != "/" || c.Domain != "" || !c.HttpOnly {
		t.Fatalf("cookie %+v", c)
	}
	if f, _ := flashRoundTrip(t, &Pages{Secure: true}, "ok", "Saved."); f.Message != "Saved." {
		t.Errorf("round trip over https: %#v", f)
	}
}

func TestLongFlashIsCutOnARuneBoundary(t *testing.T) {
	t.Parallel()
	msg := strings.Repeat("é", maxFlashBytes) // two bytes each
	f, _ := flashRoundTrip(t, &Pages{}, "ok", msg)
	if !utf8.ValidString(f.Message) || len(f.Message) > maxFlashBytes+len("…") || !strings.HasSuffix(f.Message, "…") {
		t.Fatalf("cut message: %d bytes, valid %v", len(f.Message), utf8.ValidString(f.Message))
	}
}

// Whatever a browser sends back is either a well-formed flash or none.
func TestMalformedFlashCookiesAreIgnored(t *testing.T) {
	t.Parallel()
	for name, value := range map[string]string{
		"not base64":   "%%%",
		"no separator": "b2s",        // "ok"
		"empty text":   "b2sK",       // "ok\n"
		"bad kind":     "b2sgeApoaQ", // "ok x\nhi"
		"upper kind":   "T0sKaGk",    // "OK\nhi"
		"invalid utf8": "b2sK_w",     // "ok\n\xff"
		"empty":        "",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(&http.Cookie{Name: flashCookie, Value: value})
		if f := (&Pages{}).popFlash(httptest.NewRecorder(), r); f != (web.Flash{}) {
			t.Errorf("%s: flash %#v", name, f)
		}
	}
}

func FuzzDecodeFlash(f *testing.F) {
	f.Add("b2sKaGk")
	f.Add("b2sK_w")
	f.Fuzz(func(t *testing.T, value string) {
		fl := decodeFlash(value)
		if fl.Message != "" && (!validFlashKind(fl.Kind) || !utf8.ValidString(fl.Message)) {
			t.Fatalf("decoded %#v", fl)
		}
	})
}
