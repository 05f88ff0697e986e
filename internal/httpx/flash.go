package httpx

import (
	"encoding/base64"
	"net/http"
	"strings"
	"unicode/utf8"

	"rapport/web"
)

// A flash is the one-line message the next page shows after a form ("Deal moved to
// Won."). It travels in a short-lived cookie, not in the session: saving the session
// to leave a message, and again to take it, cost a statement on the post and one on
// the page after it. The cookie holds only the kind and the text, both ours, and the
// page renders them escaped; over https it is a __Host- cookie, which a neighbouring
// host cannot plant.

const (
	flashCookie       = "rapport_flash"
	secureFlashCookie = "__Host-rapport_flash"
	// maxFlashBytes bounds the message (a long deal title quoted in it, say), well
	// under a cookie's 4 kB.
	maxFlashBytes = 1000
)

func (p *Pages) flashCookieName() string {
	if p.Secure {
		return secureFlashCookie
	}
	return flashCookie
}

// Flash leaves a message for the next page this browser shows (the page after a
// redirect, or this very response if it is a page).
func (p *Pages) Flash(w http.ResponseWriter, r *http.Request, kind, msg string) {
	if len(msg) > maxFlashBytes {
		cut := maxFlashBytes
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	http.SetCookie(w, &http.Cookie{
		Name: p.flashCookieName(), Value: base64.RawURLEncoding.EncodeToString([]byte(kind + "\n" + msg)),
		Path: "/", MaxAge: 300, HttpOnly: true, Secure: p.Secure, SameSite: http.SameSiteLaxMode,
	})
}

// popFlash takes the pending flash: one set earlier in this response, else the one the
// browser sent. Taking it tells the browser to forget it.
func (p *Pages) popFlash(w http.ResponseWriter, r *http.Request) web.Flash {
	name := p.flashCookieName()
	value := ""
	for _, line := range w.Header().Values("Set-Cookie") {
		if c, err := http.ParseSetCookie(line); err == nil && c.Name == name {
			value = c.Value // the last one set wins
		}
	}
	if value == "" {
		if c, err := r.Cookie(name); err == nil {
			value = c.Value
		}
	}
	if value == "" {
		return web.Flash{}
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: p.Secure, SameSite: http.SameSiteLaxMode})
	return decodeFlash(value)
}

// decodeFlash reads a flash cookie's value; anything malformed is no flash.
func decodeFlash(value string) web.Flash {
	b, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil {
		return web.Flash{}
	}
	kind, msg, ok := strings.Cut(string(b), "\n")
	if !ok || msg == "" || !validFlashKind(kind) || !utf8.ValidString(msg) {
		return web.Flash{}
	}
	return web.Flash{Kind: kind, Message: msg}
}

// validFlashKind keeps the kind to what a class name may hold: a short lowercase word.
func validFlashKind(kind string) bool {
	if kind == "" || len(kind) > 16 {
		return false
	}
	for _, c := range kind {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
