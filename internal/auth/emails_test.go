package auth

import (
	"reflect"
	"slices"
	"testing"

	"rapport/internal/mail"
)

// The wording of every account email, whole. (Written against the emails as string
// concatenation built them, before they moved to templates; seen failing with a word
// changed in password_reset.tmpl.)
func TestAccountEmailWording(t *testing.T) {
	t.Parallel()
	const link = "http://rapport.test/reset-password?token=T"
	cases := []struct {
		name string
		data accountEmail
		want mail.Message
	}{
		{"staff_invite", accountEmail{Name: "Sam Seller", By: "Test admin", Role: "Sales rep", Link: link}, mail.Message{
			Subject: "You have been invited to Rapport",
			Body:    "Hello Sam Seller,\n\nTest admin has given you a Rapport account (Sales rep).\nChoose your password here within three days:\n\nhttp://rapport.test/reset-password?token=T\n"}},
		{"password_reset", accountEmail{Name: "Sam Seller", Link: link}, mail.Message{
			Subject: "Reset your Rapport password",
			Body:    "Hello Sam Seller,\n\nSomeone (hopefully you) asked to reset the password of your Rapport account.\nChoose a new password here within the next hour:\n\nhttp://rapport.test/reset-password?token=T\n\nIf you did not ask for this, ignore this email: your password stays the same.\n"}},
		{"staff_promoted", accountEmail{Name: "Sam Seller", By: "Test admin", Role: "Sales rep", Link: link}, mail.Message{
			Subject: "You have been invited to Rapport",
			Body:    "Hello Sam Seller,\n\nTest admin has made your Rapport account a staff account (Sales rep).\nFor your security you were signed out everywhere and your old password no longer works.\nChoose your password here within three days:\n\nhttp://rapport.test/reset-password?token=T\n\nIf you did not expect this, ignore this email and tell your administrator.\n"}},
		{"email_verify", accountEmail{Name: "Sam Seller", Link: link}, mail.Message{
			Subject: "Confirm your email for Rapport",
			Body:    "Hello Sam Seller,\n\nThank you for creating a Rapport account. Confirm that this address is yours by opening this link\nwithin the next three days:\n\nhttp://rapport.test/reset-password?token=T\n\nIf you did not create an account, ignore this email: without this link the address stays unconfirmed.\n"}},
		{"account_exists", accountEmail{Name: "Sam Seller", SignIn: "http://rapport.test/signin", Forgot: "http://rapport.test/forgot-password"}, mail.Message{
			Subject: "You already have a Rapport account",
			Body:    "Hello Sam Seller,\n\nSomeone (hopefully you) tried to create a Rapport account with this address, but it already has one.\n\nSign in here: http://rapport.test/signin\nForgot your password? Choose a new one here: http://rapport.test/forgot-password\n\nIf it was not you, ignore this email: nothing has changed.\n"}},
	}
	var names []string
	for _, c := range cases {
		names = append(names, c.name)
		got, err := emails.Message(c.name, "sam@example.com", c.data)
		c.want.To = "sam@example.com"
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s (%v):\n got %+v\nwant %+v", c.name, err, got, c.want)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, emails.Names()) {
		t.Errorf("tested %v, the emails are %v", names, emails.Names())
	}
}
