package desk

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
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

// AddTags and RemoveTags, as other packages call them (macros, merges): several names
// at once, normalised and de-duplicated; a bad name writes nothing.
func TestAddRemoveTags(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	id := f.ticket("Tagged", "Body.")
	var added, removed []string
	err := f.d.DB.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		added, err = AddTags(ctx, tx, id, []string{"Billing", "billing ", "VIP", "vip"})
		return err
	})
	if err != nil || !slices.Equal(added, []string{"billing", "vip"}) {
		t.Fatalf("added %q, %v", added, err)
	}
	err = f.d.DB.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		added, err = AddTags(ctx, tx, id, []string{"billing", "new"})
		return err
	})
	if err != nil || !slices.Equal(added, []string{"new"}) {
		t.Fatalf("added again %q, %v", added, err)
	}
	err = f.d.DB.InTx(ctx, func(tx pgx.Tx) error {
		_, err := AddTags(ctx, tx, id, []string{"fine", "not,fine"})
		return err
	})
	if _, ok := isTagNameError(err); !ok {
		t.Fatalf("bad name: %v", err)
	}
	err = f.d.DB.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		removed, err = RemoveTags(ctx, tx, id, []string{"VIP", "absent"})
		return err
	})
	if err != nil || !slices.Equal(removed, []string{"vip"}) {
		t.Fatalf("removed %q, %v", removed, err)
	}
	var names []string
	if err := f.d.DB.QueryRow(ctx, `SELECT array_agg(g.name ORDER BY g.name) FROM ticket_tags tt JOIN tags g ON g.id = tt.tag_id WHERE tt.ticket_id = $1`, id).Scan(&names); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, []string{"billing", "new"}) {
		t.Fatalf("tags %q", names)
	}
}
