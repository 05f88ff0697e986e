package desk

import (
	"strings"
	"testing"
)

func TestNormalizeTag(t *testing.T) {
	for in, want := range map[string]string{
		"Billing":               "billing",
		"  VIP   customer  ":    "vip customer",
		"cafe\u0301":            "café",
		"CAFÉ":                  "café",
		"日本":                    "日本",
		strings.Repeat("x", 50): strings.Repeat("x", 50),
		"<b>":                   "<b>",
		"a\u00a0b":              "a b", // a no-break space is a space
	} {
		got, err := NormalizeTag(in)
		if err != nil || got != want {
			t.Errorf("NormalizeTag(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"":                         "Type a tag name.",
		" \u3000 ":                 "Type a tag name.",
		"a,b":                      "comma",
		"a\nb":                     "control",
		"a\x00b":                   "control",
		"a\u200db":                 "invisible",
		"\xff":                     "not valid text",
		strings.Repeat("x", 51):    "at most 50 characters (this has 51)",
		strings.Repeat("y", 10240): "at most 50 characters (this has 10240)",
	} {
		_, err := NormalizeTag(in)
		msg, ok := isTagNameError(err)
		if !ok || !strings.Contains(msg, want) {
			t.Errorf("NormalizeTag(%.20q): %v, want %q", in, err, want)
		}
	}
}

func TestSearchSnippet(t *testing.T) {
	parts := searchSnippet("a " + markStart + "hit" + markStop + " <b>" + markStart + "x")
	want := []snippetPart{{"a ", false}, {"hit", true}, {" <b>", false}, {"x", true}}
	if len(parts) != len(want) {
		t.Fatalf("parts %+v", parts)
	}
	for i := range want {
		if parts[i] != want[i] {
			t.Fatalf("part %d: %+v, want %+v", i, parts[i], want[i])
		}
	}
	if p := searchSnippet("stray " + markStop + "mark"); len(p) != 1 || p[0].Text != "stray mark" {
		t.Fatalf("stray mark: %+v", p)
	}
}

func FuzzNormalizeTag(f *testing.F) {
	for _, s := range []string{"Billing", "a,b", "cafe\u0301", "\xff", " x "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := NormalizeTag(s)
		if err != nil {
			if _, ok := isTagNameError(err); !ok {
				t.Fatalf("%q: %v is not a TagNameError", s, err)
			}
			return
		}
		if again, err := NormalizeTag(n); err != nil || again != n {
			t.Fatalf("%q normalised to %q, then to %q, %v", s, n, again, err)
		}
		if n == "" || strings.ContainsRune(n, ',') || n != strings.TrimSpace(n) {
			t.Fatalf("%q normalised to %q", s, n)
		}
	})
}
