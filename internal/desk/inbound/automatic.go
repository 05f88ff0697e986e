package inbound

import (
	"strings"

	"github.com/emersion/go-message"
)

// automatic says why a machine, not a person, sent a message, or "" when a person did.
// Such mail never opens a ticket or reopens one (a loop between two auto-responders is
// the classic way a help desk floods itself): the desk records the decision instead.
//
//   - "bounce": a delivery failure report (from MAILER-DAEMON or postmaster, a null
//     Return-Path, or a multipart/report of a delivery-status);
//   - "auto-reply": Auto-Submitted other than "no" (RFC 3834), X-Autoreply,
//     X-Autorespond, or Microsoft's X-Auto-Response-Suppress on an out-of-office;
//   - "bulk": Precedence bulk, junk or list, or a List-Id / List-Unsubscribe header
//     (mailing lists and newsletters).
func automatic(h message.Header, from Address) string {
	local, _, _ := strings.Cut(strings.ToLower(from.Email), "@")
	ct, params, _ := h.ContentType()
	switch {
	case local == "mailer-daemon" || local == "postmaster",
		strings.TrimSpace(h.Get("Return-Path")) == "<>",
		ct == "multipart/report" && strings.EqualFold(params["report-type"], "delivery-status"):
		return "bounce"
	}
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return "auto-reply"
	}
	if h.Get("X-Autoreply") != "" || h.Get("X-Autorespond") != "" {
		return "auto-reply"
	}
	if s := strings.ToLower(h.Get("X-Auto-Response-Suppress")); strings.Contains(s, "oof") || strings.Contains(s, "all") {
		return "auto-reply"
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "bulk", "junk", "list":
		return "bulk"
	}
	if h.Get("List-Id") != "" || h.Get("List-Unsubscribe") != "" {
		return "bulk"
	}
	return ""
}
