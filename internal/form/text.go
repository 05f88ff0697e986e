package form

import (
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// What a free-text field may hold. A value is refused, never silently changed, when it
// holds a character that hides or disguises text; a valid one is stored in NFC.
//
//   - Always refused: invalid UTF-8; NUL and the other C0 and C1 controls (U+0085 NEL
//     and U+007F DEL included) but tab, CR and LF in multi-line fields; the bidi
//     embeddings, overrides and isolates U+202A..U+202E and U+2066..U+2069 (they reorder
//     what is shown: "invoice\u202Etxt.exe" reads "invoiceexe.txt"); every other
//     format character (Unicode category Cf: U+2061..U+2064, U+206A..U+206F, U+FFF9..
//     U+FFFB, U+180E, ...) but those listed below; tag characters (U+E0000..U+E007F, an
//     invisible copy of ASCII) outside an emoji flag sequence.
//   - Allowed everywhere: U+200C ZWNJ and U+200D ZWJ (Persian, the Indic scripts and
//     emoji sequences need them), U+200E LRM, U+200F RLM and U+061C ALM (marks, not
//     embeddings: they place neutral characters in mixed-direction text and cannot
//     reorder letters), and the tags of an emoji flag sequence (U+1F3F4, tags, U+E007F:
//     the flags of England, Scotland and Wales).
//   - Allowed in multi-line fields only: U+200B ZERO WIDTH SPACE, U+2060 WORD JOINER,
//     U+FEFF (a byte order mark or zero-width no-break space) and U+00AD SOFT HYPHEN,
//     which text pasted from mail and web pages carries; U+2028 and U+2029 (line and
//     paragraph separators).
//   - A non-empty value needs a visible character: a letter, digit, punctuation or
//     symbol other than the blank ones (Hangul fillers, U+2800 braille blank).

// Clean normalises typed text to NFC, so that one word is stored one way however the
// keyboard or the paste composed it ("e" + U+0301 becomes "é"). Invalid UTF-8 is
// returned as it is, for Check to refuse rather than store something else.
func Clean(v string) string {
	if !utf8.ValidString(v) {
		return v
	}
	return norm.NFC.String(v)
}

// Check validates a free-text value (see above): valid UTF-8, no control, direction or
// hidden formatting characters (tab and line breaks allowed when multiline), at least
// one visible character unless empty, at most max characters. It returns a message for
// the person, or "".
func Check(v string, max int, multiline bool) string {
	if !utf8.ValidString(v) {
		return "Contains characters that are not valid text."
	}
	// The length first: a value many times too long (a 10 MB cell of an import) is
	// refused without a look at each of its characters.
	n := utf8.RuneCountInString(v)
	if n > max {
		return "Too long: at most " + strconv.Itoa(max) + " characters (this has " + strconv.Itoa(n) + ")."
	}
	visible := false
	afterFlag, inTags := false, false // an emoji flag sequence: U+1F3F4, tags, U+E007F
	for _, r := range v {
		if r > 0x20 && r < 0x7F { // printable ASCII, the common case
			visible, afterFlag = true, false
			if inTags {
				return invisible(0xE007F)
			}
			continue
		}
		switch {
		case r >= 0xE0020 && r <= 0xE007E && (afterFlag || inTags):
			inTags, afterFlag = true, false
			continue
		case r == 0xE007F && inTags:
			inTags = false
			continue
		case inTags:
			return invisible(0xE007F) // a flag sequence that does not end
		}
		if msg := runeProblem(r, multiline); msg != "" {
			return msg
		}
		afterFlag = r == 0x1F3F4
		visible = visible || isVisible(r)
	}
	switch {
	case inTags:
		return invisible(0xE007F)
	case n > 0 && !visible:
		return "Contains no visible characters."
	}
	return ""
}

// runeProblem is what is wrong with r in a field, or "".
func runeProblem(r rune, multiline bool) string {
	switch {
	case r == 0:
		return "Contains a NUL character, which is not allowed."
	case r == '\n' || r == '\r' || r == '\t':
		if multiline {
			return ""
		}
		return "Contains control characters, which are not allowed."
	case unicode.Is(unicode.Cc, r):
		return "Contains control characters, which are not allowed."
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return fmt.Sprintf("Contains an invisible text-direction control (U+%04X), which is not allowed: "+
			"type the text again rather than pasting it.", r)
	case r == 0x2028 || r == 0x2029:
		if multiline {
			return ""
		}
		return fmt.Sprintf("Contains a line separator (U+%04X), which is not allowed here.", r)
	case unicode.Is(unicode.Cf, r), r >= 0xE0000 && r <= 0xE007F:
		if allowedFormat(r, multiline) {
			return ""
		}
		return invisible(r)
	}
	return ""
}

// allowedFormat reports whether the format character r may stay (see above).
func allowedFormat(r rune, multiline bool) bool {
	switch r {
	case 0x200C, 0x200D, 0x200E, 0x200F, 0x061C:
		return true
	case 0x200B, 0x2060, 0xFEFF, 0x00AD:
		return multiline
	}
	return false
}

func invisible(r rune) string {
	return fmt.Sprintf("Contains an invisible formatting character (U+%04X), which is not allowed: "+
		"type the text again rather than pasting it.", r)
}

// isVisible reports whether r shows as something on the page: a letter, digit,
// punctuation or symbol, not one of those that render blank.
func isVisible(r rune) bool {
	if !unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S) {
		return false
	}
	return r != 0x2800 && !unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
}

// Required checks a non-empty free-text value (see Check).
func Required(errs Errors, field, v, label string, max int) {
	if v == "" {
		errs.Add(field, label+" is required.")
		return
	}
	if msg := Check(v, max, false); msg != "" {
		errs.Add(field, msg)
	}
}

// Lookup reports whether v may be looked up (a search, a filter, a paging cursor): valid
// UTF-8 without NUL or C0 controls (tab and line breaks allowed when multiline), at most
// max characters. It is what Check took before the invisible characters were refused,
// so that values stored before then can still be searched and paged past.
func Lookup(v string, max int, multiline bool) bool {
	if !utf8.ValidString(v) || utf8.RuneCountInString(v) > max {
		return false
	}
	for _, r := range v {
		if r < 0x20 && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return false
		}
	}
	return true
}
