package seed

import "rapport/internal/auth"

// The demo data set. Rows refer to each other by natural key (email, domain, pipeline
// name, deal title, ticket subject) so that every insert can skip what already exists.
// Times are relative to the moment of seeding.

type demoUser struct {
	email, name string
	role        auth.Role
	team        string
}

var demoUsers = []demoUser{
	{"admin@example.com", "Ada Admin", auth.RoleAdmin, ""},
	{"sales1@example.com", "Sam Seller", auth.RoleSales, ""},
	{"sales2@example.com", "Priya Nair", auth.RoleSales, ""},
	{"agent1@example.com", "Jordan Lee", auth.RoleAgent, "Tier 1"},
	{"agent2@example.com", "Morgan Diaz", auth.RoleAgent, "Billing"},
	{"customer1@example.com", "Carol Chen", auth.RoleCustomer, ""},
	{"customer2@example.com", "Dev Patel", auth.RoleCustomer, ""},
	{"customer3@example.com", "Maria Garcia", auth.RoleCustomer, ""},
}

type demoCompany struct{ name, domain string }

var demoCompanies = []demoCompany{
	{"Acme Corp", "acme.com"},
	{"Globex", "globex.com"},
	{"Initech", "initech.com"},
	{"Umbrella Health", "umbrella-health.com"},
	{"Stark Logistics", "starklogistics.io"},
	{"Northwind Traders", "northwind.co"},
}

// demoContact's domain names its company; empty means an unattached lead.
type demoContact struct{ email, name, domain, owner string }

const (
	rep1 = "sales1@example.com"
	rep2 = "sales2@example.com"
)

var demoContacts = []demoContact{
	// The three customer users, so a contact's tickets show in the CRM.
	{"customer1@example.com", "Carol Chen", "acme.com", rep1},
	{"customer2@example.com", "Dev Patel", "globex.com", rep2},
	{"customer3@example.com", "Maria Garcia", "", rep1},
	{"jane.doe@acme.com", "Jane Doe", "acme.com", rep1},
	{"tom.baker@acme.com", "Tom Baker", "acme.com", rep1},
	{"hank.scorpio@globex.com", "Hank Scorpio", "globex.com", rep2},
	{"lisa.wong@globex.com", "Lisa Wong", "globex.com", rep2},
	{"bill.lumbergh@initech.com", "Bill Lumbergh", "initech.com", rep1},
	{"peter.gibbons@initech.com", "Peter Gibbons", "initech.com", rep1},
	{"alice.hart@umbrella-health.com", "Alice Hart", "umbrella-health.com", rep2},
	{"marcus.reed@starklogistics.io", "Marcus Reed", "starklogistics.io", rep2},
	{"nina.rossi@northwind.co", "Nina Rossi", "northwind.co", rep1},
	{"omar.haddad@gmail.com", "Omar Haddad", "", rep2},
	{"lena.fischer@outlook.com", "Lena Fischer", "", rep1},
	{"kai.tanaka@proton.me", "Kai Tanaka", "", rep2},
}

var demoPipelines = []string{"Inbound", "Enterprise"}

// demoDeal's closeIn is days from today (negative: in the past); createdAgo is days ago.
type demoDeal struct {
	title, contact, pipeline, owner, stage string
	amountCents                            int64
	closeIn, createdAgo                    int
}

var demoDeals = []demoDeal{
	{"Acme – Starter plan, 25 seats", "jane.doe@acme.com", "Inbound", rep1, "lead", 750000, 10, 5},
	{"Freelancer plan – Omar Haddad", "omar.haddad@gmail.com", "Inbound", rep2, "lead", 49000, -3, 20},
	{"Globex – Team plan upgrade", "lisa.wong@globex.com", "Inbound", rep2, "qualified", 1800000, 7, 30},
	{"Northwind – Support add-on", "nina.rossi@northwind.co", "Inbound", rep1, "qualified", 420000, -6, 40},
	{"Initech – Annual renewal", "peter.gibbons@initech.com", "Inbound", rep1, "won", 2400000, -12, 60},
	{"Globex – Pro plan for Dev Patel's team", "customer2@example.com", "Inbound", rep2, "won", 360000, -25, 70},
	{"Starter plan – Lena Fischer", "lena.fischer@outlook.com", "Inbound", rep1, "lost", 90000, -18, 45},
	{"Team plan – Kai Tanaka", "kai.tanaka@proton.me", "Inbound", rep2, "lost", 240000, -30, 55},
	{"Umbrella Health – Enterprise pilot", "alice.hart@umbrella-health.com", "Enterprise", rep2, "lead", 9600000, 14, 3},
	{"Stark Logistics – Fleet rollout", "marcus.reed@starklogistics.io", "Enterprise", rep2, "lead", 15000000, -2, 25},
	{"Acme – Enterprise migration", "tom.baker@acme.com", "Enterprise", rep1, "qualified", 12000000, 4, 35},
	{"Initech – SSO and audit bundle", "bill.lumbergh@initech.com", "Enterprise", rep1, "qualified", 4500000, -9, 50},
	{"Globex – Global rollout, 2,000 seats", "hank.scorpio@globex.com", "Enterprise", rep2, "won", 21000000, -8, 90},
	{"Acme – Premium support for Carol Chen", "customer1@example.com", "Enterprise", rep1, "won", 3000000, -40, 80},
	{"Northwind – Data warehouse integration", "nina.rossi@northwind.co", "Enterprise", rep1, "lost", 7500000, -20, 65},
	{"Consulting retainer – Maria Garcia", "customer3@example.com", "Enterprise", rep2, "lost", 1500000, -35, 75},
}

// demoMessage's author is an agent's email, or "" for the ticket's requester; at is
// minutes after the ticket was opened.
type demoMessage struct {
	author, body string
	internal     bool
	at           int
}

// demoTicket's openedAgo is hours ago; the first message is the customer's request.
type demoTicket struct {
	requester, subject, status, priority string
	openedAgo                            int
	thread                               []demoMessage
}

const (
	agent1 = "agent1@example.com"
	agent2 = "agent2@example.com"
)

var demoTickets = []demoTicket{
	{"customer1@example.com", "Cannot sign in after resetting my password", "open", "urgent", 2, []demoMessage{
		{"", "I reset my password this morning and now every sign-in says the password is wrong. Our whole team is blocked.", false, 0},
		{agent1, "Auth log shows the account locked after five failures right after the reset. Checking whether the reset email was used twice.", true, 25},
	}},
	{"customer1@example.com", "Invoice shows the wrong VAT number", "pending", "normal", 50, []demoMessage{
		{"", "Our March invoice has an old VAT number on it. Can you reissue it?", false, 0},
		{agent2, "Happy to reissue it. Could you send the correct VAT number and the billing address it belongs to?", false, 90},
		{agent2, "Reissue needs finance approval once the customer answers.", true, 95},
	}},
	{"customer1@example.com", "CSV export times out on large reports", "solved", "high", 216, []demoMessage{
		{"", "Exporting the yearly pipeline report to CSV fails after a minute with a timeout.", false, 0},
		{agent1, "Sorry about that. Which report and roughly how many rows? We are looking into it.", false, 40},
		{agent1, "Reproduced with 200k rows; engineering says the export streams now behind a flag. Enabled it for Acme.", true, 300},
		{"", "It is the yearly pipeline report, about 180,000 rows.", false, 320},
		{agent1, "We switched your account to the streaming export. Could you try again? It should finish in seconds now.", false, 360},
	}},
	{"customer1@example.com", "Feature request: dark mode", "closed", "low", 960, []demoMessage{
		{"", "Any plans for a dark theme? Our support team works late shifts.", false, 0},
		{agent1, "Thanks for the suggestion! I have added your vote to the request; we will let you know when it ships.", false, 180},
	}},
	{"customer2@example.com", "Charged twice for March", "open", "high", 5, []demoMessage{
		{"", "My card was charged twice for the March subscription. Please refund one of them.", false, 0},
		{agent2, "Payment provider shows two captures 3 seconds apart; likely a double click on the upgrade button.", true, 45},
	}},
	{"customer2@example.com", "How do I add a teammate?", "solved", "low", 360, []demoMessage{
		{"", "Where do I invite a new colleague to our account?", false, 0},
		{agent1, "Go to Settings, then Team, and use Invite. They get an email with a sign-up link.", false, 30},
		{"", "Found it, thank you!", false, 75},
	}},
	{"customer2@example.com", "API returns 500 on the deals endpoint", "pending", "urgent", 26, []demoMessage{
		{"", "Since yesterday every call to the deals API fails with HTTP 500. Our integration is down.", false, 0},
		{agent1, "Error rate on the deals API is up since the last deploy. Escalated to on-call.", true, 10},
		{agent1, "We are on it. Could you send the request id from one failing response so we can trace it?", false, 15},
	}},
	{"customer2@example.com", "Cancel the analytics add-on", "closed", "normal", 1440, []demoMessage{
		{"", "Please cancel the analytics add-on at the end of this billing period.", false, 0},
		{agent2, "Done: the add-on ends on the last day of this period and will not renew.", false, 120},
		{agent2, "Customer mentioned price; flagged to the account owner for a retention call.", true, 125},
		{"", "Great, thanks for the quick help.", false, 240},
	}},
	{"customer3@example.com", "Email notifications are not arriving", "open", "normal", 20, []demoMessage{
		{"", "I stopped getting email notifications for new replies two days ago.", false, 0},
		{agent1, "Thanks for letting us know. Could you check your spam folder while we look at our delivery logs?", false, 60},
	}},
	{"customer3@example.com", "Refund for unused seats", "pending", "high", 72, []demoMessage{
		{"", "We reduced our team from 12 to 8 people. Can we get a refund for the unused seats?", false, 0},
		{agent2, "Refunds for seat reductions are prorated; checking the exact amount with finance.", true, 100},
		{agent2, "We can prorate the 4 seats. Should we refund the card or credit your next invoice?", false, 140},
	}},
	{"customer3@example.com", "Data import stuck at 99%", "solved", "urgent", 480, []demoMessage{
		{"", "Our contact import has been stuck at 99% for an hour.", false, 0},
		{agent1, "The import worker crashed on a row with an invalid email; restarted it with that row skipped.", true, 20},
		{agent1, "The import has finished. One row had an invalid email and was skipped; the other 4,212 are in.", false, 35},
	}},
	{"customer3@example.com", "Update the company address on our account", "closed", "low", 2160, []demoMessage{
		{"", "We moved offices. Please update our billing address to 12 Harbour Street, Bristol.", false, 0},
		{agent2, "Updated. Your next invoice will show the new address.", false, 200},
	}},
}
