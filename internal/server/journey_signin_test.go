package server_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"rapport/internal/auth"
)

// A person signs in through the real form in Chromium and lands on their role's home,
// with the page's script and stylesheet allowed by the CSP.
func TestJourneySignIn(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.user(auth.RoleAdmin, "admin@example.com")
	ctx := chrome(t)
	signInWithBrowser(t, ctx, a, "admin@example.com")
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	who, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.account .who`)))
	if err != nil {
		t.Fatal(err)
	}
	// The external stylesheet loaded: the top bar has its flex layout.
	styled, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector('.topbar')).display === 'flex'`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(loc, "/admin") {
		t.Errorf("landed on %s, want /admin", loc)
	}
	if !strings.Contains(who, "Test admin") {
		t.Errorf("top bar shows %q", who)
	}
	if !styled {
		t.Error("the stylesheet did not apply (blocked by the CSP or not served)")
	}
	screenshot(t, ctx, "admin-home")
}
