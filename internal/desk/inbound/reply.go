package inbound

import (
	"regexp"
	"strings"
)

// The lines where a mail client starts the quoted history or the writer's signature.
// What follows the first of them is not what the writer added (it is kept in FullText).
var (
	// "On Tue, 3 Mar 2026 at 09:30, Ada <ada@example.com> wrote:" and the like, in the
	// languages of the clients support desks see most (also when the client wrapped it
	// over two lines, which the caller joins).
	wroteLine = regexp.MustCompile(`(?i)^(on|le|am|el|il|op|em)\s.{0,200}\s(wrote|a écrit|schrieb|escribió|ha scritto|schreef|escreveu)(\s.{0,200})?\s*:$`)
	// Outlook's header block and the "original message" separators.
	originalLine = regexp.MustCompile(`(?i)^-{2,}\s*(original message|message d'origine|ursprüngliche nachricht|mensaje original|forwarded message)\s*-{2,}$`)
	outlookFrom  = regexp.MustCompile(`(?i)^\*?(from|de|von)\*?:\s.+`)
	outlookSent  = regexp.MustCompile(`(?i)^\*?(sent|date|envoyé|gesendet|enviado)\*?:\s.+`)
	// A mobile client's sign-off.
	sentFrom = regexp.MustCompile(`(?i)^(sent from my|get outlook for|envoyé de mon)\b`)
)

// cutReply is text without the quoted history and the signature: what the writer added.
// When cutting would leave nothing (a reply written below the quote, or a message that
// is all quote), the whole text is kept.
func cutReply(text string) string {
	lines := strings.Split(text, "\n")
	cut := len(lines)
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		joined := line
		if i+1 < len(lines) {
			joined = line + " " + strings.TrimSpace(lines[i+1])
		}
		switch {
		case line == "--" || lines[i] == "-- ":
		case wroteLine.MatchString(line), originalLine.MatchString(line), sentFrom.MatchString(line):
		case wroteLine.MatchString(joined):
		case outlookFrom.MatchString(line) && i+1 < len(lines) && outlookSent.MatchString(strings.TrimSpace(lines[i+1])):
		case strings.HasPrefix(line, ">") && quoteRunsToEnd(lines[i:]):
		default:
			continue
		}
		cut = i
		break
	}
	out := strings.TrimRight(strings.Join(lines[:cut], "\n"), " \n\t")
	if strings.TrimSpace(out) == "" {
		return text
	}
	return out
}

// quoteRunsToEnd reports whether every non-blank line from here on is quoted: a
// quote at the bottom is history, one in the middle is part of an answer.
func quoteRunsToEnd(lines []string) bool {
	for _, l := range lines {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, ">") {
			return false
		}
	}
	return true
}
