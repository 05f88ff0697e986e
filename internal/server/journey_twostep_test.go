package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rapport/internal/auth"
)

// A staff member turns on two-step sign-in in real Chromium, as on Zendesk: from the
// account page, scan the QR code (here: read the key shown beside it, as a person who
// cannot scan types it), enter the app's code, see the recovery codes once, sign out,
// and sign in again with the password and then the app's code.
func TestJourneyTwoStep(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	u := a.user(auth.RoleAgent, "agent@example.com")
	ctx := chrome(t)
	signInWithBrowser(t, ctx, a, u.Email)
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	step("the account page",
		chromedp.Click(chromedp.CSS(`.account a[href="/account"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#two-step`)),
		chromedp.Click(chromedp.CSS(`a.button[href="/account/two-step"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/account/two-step/setup"] button[type=submit]`)),
		chromedp.Click(chromedp.CSS(`form[action="/account/two-step/setup"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#twostep-key`)),
	)
	// The QR code is a real image the page was allowed to load (the CSP lets data: images
	// through; a blocked or broken one has no natural width).
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const i = document.querySelector('img.qr'); return i.complete && i.naturalWidth > 100; })()`))
	if err != nil || !loaded {
		t.Fatalf("the QR code did not load: %v", err)
	}
	key := text(`#twostep-key`)
	screenshot(t, ctx, "twostep-enrol")
	step("confirm",
		chromedp.SendKeys(chromedp.CSS(`#f-code`), a.code(t, key)),
		chromedp.Click(chromedp.CSS(`form[action="/account/two-step/confirm"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#recovery-codes`)),
	)
	codes := strings.Fields(text(`#recovery-codes`))
	if len(codes) != 10 || !recoveryCodeRE.MatchString("<li><code>"+codes[0]+"</code></li>") {
		t.Fatalf("recovery codes shown: %q", codes)
	}
	screenshot(t, ctx, "twostep-recovery-codes")
	step("continue and sign out",
		chromedp.Click(chromedp.CSS(`a.button[href="/desk"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.account .who`)),
		chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-email`)),
	)

	a.advance(30 * time.Second) // the next code, as the app shows it half a minute later
	step("password",
		chromedp.SendKeys(chromedp.CSS(`#f-email`), u.Email),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/signin"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/signin/two-step"] #f-code`)),
	)
	screenshot(t, ctx, "twostep-second-step")
	step("wrong code",
		chromedp.SendKeys(chromedp.CSS(`#f-code`), "000000"),
		chromedp.Click(chromedp.CSS(`form[action="/signin/two-step"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-code-error`)),
	)
	if got := text(`#f-code-error`); !strings.Contains(got, "not right") {
		t.Errorf("a wrong code says %q", got)
	}
	step("right code",
		chromedp.SendKeys(chromedp.CSS(`#f-code`), a.code(t, key)),
		chromedp.Click(chromedp.CSS(`form[action="/signin/two-step"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.account .who`)),
	)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.HasSuffix(loc, "/desk") {
		t.Fatalf("landed on %s (%v), want /desk", loc, err)
	}
	if a.audits(t, "twostep.enrol", u.ID) != 1 || a.audits(t, "twostep.failure", u.ID) != 1 || a.audits(t, "twostep.success", u.ID) != 1 {
		t.Error("the journey's two-step events are not all in the audit log")
	}
}
