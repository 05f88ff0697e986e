package inbound

import (
	"strings"

	"golang.org/x/net/html"
)

// htmlToText turns an HTML mail body into the text a person reads: block elements and
// <br> become line breaks, links keep their address after the text, scripts, styles and
// the head are dropped, entities are decoded by the parser. The HTML itself is never
// rendered anywhere (a mail's HTML is hostile until proven otherwise).
func htmlToText(src string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(src))
	skip := 0 // inside <script>, <style>, <head> or <title>
	var href string
	newline := func() {
		s := b.String()
		if s != "" && !strings.HasSuffix(s, "\n") {
			b.WriteByte('\n')
		}
	}
	for {
		switch z.Next() {
		case html.ErrorToken:
			return collapseBlankLines(b.String())
		case html.TextToken:
			if skip == 0 {
				// Runs of white space are one space, kept where the source had them, so
				// "<b>there</b>," stays "there,".
				raw := string(z.Text())
				t := strings.Join(strings.Fields(raw), " ")
				s := b.String()
				lead := t != "" && raw[0] <= ' ' || t == "" && raw != ""
				if lead && s != "" && !strings.HasSuffix(s, "\n") && !strings.HasSuffix(s, " ") {
					b.WriteByte(' ')
				}
				b.WriteString(t)
				if t != "" && raw[len(raw)-1] <= ' ' {
					b.WriteByte(' ')
				}
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			switch tag {
			case "script", "style", "head", "title":
				skip++
			case "br":
				b.WriteByte('\n')
			case "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol", "hr":
				newline()
				if tag == "li" {
					b.WriteString("- ")
				}
			case "a":
				href = ""
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "href" && (strings.HasPrefix(string(v), "http://") || strings.HasPrefix(string(v), "https://")) {
						href = string(v)
					}
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "head", "title":
				if skip > 0 {
					skip--
				}
			case "p", "div", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol":
				newline()
			case "a":
				if href != "" && !strings.HasSuffix(b.String(), href) {
					b.WriteString(" <" + href + ">")
				}
				href = ""
			}
		}
	}
}

// collapseBlankLines trims each line and keeps at most one blank line in a row.
func collapseBlankLines(s string) string {
	var out []string
	blank := false
	for l := range strings.SplitSeq(s, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			if !blank && len(out) > 0 {
				out = append(out, "")
			}
			blank = true
			continue
		}
		blank = false
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
