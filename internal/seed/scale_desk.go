package seed

// A scale ticket's life is drawn from its index g, as internal/desk would have written
// it: filed by its requester with the first message, then a thread alternating between
// the requester and the one agent who handles it. Every status change but a closing
// comes with a message of the same submit:
//
//   - open: the thread as drawn (2 to 18 messages, 10 on average);
//   - pending, solved: a thread that ends with the agent's message (an even count, one
//     more or one fewer than drawn), the one that set the ticket pending or solved;
//   - closed: solved that way, then closed by the agent without a message, a little
//     later, up to 4 days (never after now);
//   - in about 30% of the threads of three messages or more, the agent's first message
//     also set the ticket pending (20%) or solved (10%), and the requester's reply
//     (message 3) reopened it.
//
// scaleTickets writes each ticket with the bookkeeping of that life that the thread
// cannot tell, scaleMessages the thread, whose trigger (ticket_messages_facts) then
// sets the rest from it, and scaleHistory the status changes. The three recompute the
// life from g and the ticket's created_at (ticketLife) instead of reading it back, and
// none updates a ticket: each is written once and updated once, by the trigger.
//
// One fact is off: a closed ticket's updated_at is its last message (the solve), where
// the desk would have moved it to the closing. Only a second UPDATE could write it, and
// updating the tickets twice (or writing solved_at before the trigger does, so that a
// closing message could come last) grows the tickets' indexes enough to turn the
// backlog report's plan, a close call (TestDeskQueryPlans), into a sequential scan of
// tickets.

// scaleThread is a LATERAL subquery, hh, of ticket g's thread as drawn: its hash h, its
// number of messages cnt (2 to 18, 10 on average), the minutes step between two
// messages (10 to 119) and the index ai (among agents, a parameter) of its agent.
func scaleThread(agents string) string {
	return `(
    SELECT h, 2 + h % 17 AS cnt, 10 + (h / 17) % 110 AS step, 1 + (h / 1870) % ` + agents + `::int AS ai
    FROM (SELECT hashint4(g # 41) & 2147483647 AS h) h0
    OFFSET 0
) hh`
}

// messageAt is when message k (from 1) of the thread hh of a ticket created at created
// is written: message 1 when the ticket is filed, message k (k - 1 to k - 0.1) steps
// later, a deterministic spread so that every statement computes the same time.
func messageAt(created, k string) string {
	return `(` + created + ` + ((` + k + ` - 1) * hh.step + CASE WHEN ` + k + ` > 1 THEN
        ((hashint4(hh.h # (` + k + ` << 16)) & 2147483647) % 1000) / 1000.0 * 0.9 * hh.step ELSE 0 END)
        * interval '1 minute')`
}

// ticketLife is a LATERAL subquery, tl, of the life of ticket g (thread hh, status
// status, created at created): n, the number of messages of its thread; interim, the
// status its agent's first message set before the requester reopened it (NULL: none);
// t2 and t3, when messages 2 and 3 were written; tn, the last message's, which set a
// pending, solved or closed ticket pending or solved; and tc, when a closed ticket was
// closed. (OFFSET 0 keeps Postgres from pulling a subquery up into the query, which
// would compute each of its columns again wherever it is used, for each message.)
func ticketLife(status, created string) string {
	return `(
    SELECT l.*, l.tn + least(interval '4 days', (now() - l.tn) / 2) * (0.1 + 0.9 * l.f) AS tc
    FROM (
        SELECT d.n,
               CASE WHEN d.n >= 3 AND d.v < 20 THEN 'pending' WHEN d.n >= 3 AND d.v < 30 THEN 'solved' END AS interim,
               ` + messageAt(created, "2") + ` AS t2,
               ` + messageAt(created, "3") + ` AS t3,
               ` + messageAt(created, "d.n") + ` AS tn,
               d.f
        FROM (
            SELECT CASE WHEN ` + status + ` = 'open' OR hh.cnt % 2 = 0 THEN hh.cnt
                        ELSE hh.cnt - 1 + 2 * (hh.h % 2) END AS n,
                   (hashint4(g # 47) & 2147483647) % 100 AS v,
                   ((hashint4(g # 53) & 2147483647) % 1000) / 1000.0 AS f
            OFFSET 0
        ) d
        OFFSET 0
    ) l
    OFFSET 0
) tl`
}

// scaleTickets: $1 run, $2 customers, $3 how many, $4 agents. About 8% open and 7%
// pending (opened in the last month), 40% solved and 45% closed (over the last year);
// priorities 25% low, 45% normal, 20% high, 10% urgent. Nothing is younger than two
// days, so that every message of a thread is in the past. The tickets_sla trigger
// chooses the policy and the deadlines (moved on by paused_secs).
//
// The bookkeeping is internal/desk's (updateTicketSQL). Written here: paused_secs, the
// pause (pending or solved) a reopening ended; updated_by, whoever wrote or changed it
// last; version, one per submit. The trigger sets the rest from the thread:
// first_response_at (the agent's first public message), updated_at (the last
// message), solved_at (a solved or closed ticket's last message), and paused_since (a
// pending ticket's last message from the agent, a solved or closed one's solved_at:
// closing leaves the pause as it was). picks is materialized (random() is volatile), so
// each ticket's created_at is drawn once.
var scaleTickets = `
WITH ` + benchIndex("cust", "customer", "$2") + `,
` + benchIndex("ag", "agent", "$4") + `,
picks AS (
    SELECT g,
           1 + (hashint4(g # 23) & 2147483647) % $2::int AS ci,
           (hashint4(g # 31) & 2147483647) % 100 AS p,
           y.status,
           now() - interval '2 days'
               - random() * CASE WHEN y.status IN ('open', 'pending') THEN interval '28 days'
                                 ELSE interval '363 days' END AS created_at
    FROM generate_series(1, $3::int) g
    CROSS JOIN LATERAL (SELECT (hashint4(g # 29) & 2147483647) % 100 AS s) z
    CROSS JOIN LATERAL (
        SELECT CASE WHEN z.s < 8 THEN 'open' WHEN z.s < 15 THEN 'pending' WHEN z.s < 55 THEN 'solved'
                    ELSE 'closed' END AS status
    ) y
)
INSERT INTO tickets (id, requester_id, subject, status, priority, created_at,
                     paused_secs, updated_by, version)
SELECT md5($1::text || ':tk:' || x.g)::uuid,
       cust.id,
       (ARRAY['Cannot sign in', 'Password reset email never arrives', 'Invoice has the wrong address',
              'Charged twice this month', 'Export to CSV fails', 'API returns 500 errors',
              'How do I add a teammate?', 'Please cancel our subscription', 'Refund for unused seats',
              'Import stuck at 99%', 'Notifications are not arriving', 'Two-factor code rejected',
              'Dashboard loads slowly', 'Webhook deliveries failing', 'Need a copy of our contract',
              'Change the billing email', 'Report totals look wrong', 'Mobile app crashes on start',
              'Question about SSO setup', 'Please delete my personal data']
       )[1 + (hashint4(x.g # 37) & 2147483647) % 20],
       x.status,
       CASE WHEN x.p < 25 THEN 'low' WHEN x.p < 70 THEN 'normal' WHEN x.p < 90 THEN 'high' ELSE 'urgent' END,
       x.created_at,
       CASE WHEN tl.interim IS NOT NULL THEN round(extract(epoch FROM tl.t3 - tl.t2))::int ELSE 0 END,
       CASE WHEN tl.n % 2 = 1 THEN cust.id ELSE ag.id END,
       tl.n + CASE WHEN x.status = 'closed' THEN 1 ELSE 0 END
FROM picks x
JOIN cust ON cust.i = x.ci
CROSS JOIN LATERAL ` + scaleThread("$4") + `
JOIN ag ON ag.i = hh.ai
CROSS JOIN LATERAL ` + ticketLife("x.status", "x.created_at")

// scaleMessages: $1 run, $2 agents, $3 tickets. The threads of ticketLife: 2 to 18
// messages per ticket (10 on average), alternating between the requester (first) and
// the ticket's agent; about 30% of the agent's messages are internal notes.
var scaleMessages = `
WITH ` + benchIndex("ag", "agent", "$2") + `
INSERT INTO ticket_messages (ticket_id, author_id, body, is_internal, created_at)
SELECT t.id,
       CASE WHEN m.k % 2 = 1 THEN t.requester_id ELSE ag.id END,
       CASE WHEN m.k = 1 THEN
                (ARRAY['Hi, this started happening yesterday and our team is blocked.',
                       'Hello, we need help with this as soon as possible.',
                       'Hi team, details below. Thanks in advance.',
                       'Hello, this happens every time we try. Can you help?'])[1 + hh.h % 4]
            WHEN m.k % 2 = 1 THEN
                (ARRAY['Any update on this? It is still happening.',
                       'I tried that but it did not help, same result.',
                       'Thanks, that worked!',
                       'Here is a screenshot of the error we see.',
                       'It happens on every browser we tried.',
                       'Could you escalate this please? It affects our customers.',
                       'Sorry for the slow reply, we were out of office.',
                       'Following up: is there anything else you need from us?'])[1 + (hh.h + m.k) % 8]
            WHEN m.internal THEN
                (ARRAY['Reproduced on staging, filing a bug.', 'Known issue, linked to the incident.',
                       'Customer is on the Enterprise plan; handle with care.',
                       'Asked billing to check the payment provider.',
                       'Escalated to engineering on-call.', 'Waiting on the fix to deploy.'])[1 + (hh.h + m.k) % 6]
            ELSE
                (ARRAY['Thanks for reaching out, we are looking into it.',
                       'Could you send us the exact error message and the time it happened?',
                       'We have deployed a fix; could you try again?',
                       'I have updated your account settings; it should work now.',
                       'This is a known issue and our engineers are on it.',
                       'Could you try clearing your browser cache and signing in again?',
                       'I have passed this to our billing team; they will reply within a day.',
                       'Glad it is sorted. I will close this ticket; reply any time to reopen it.'])[1 + (hh.h + m.k) % 8]
       END,
       m.internal,
       ` + messageAt("t.created_at", "m.k") + `
FROM generate_series(1, $3::int) g
JOIN tickets t ON t.id = md5($1::text || ':tk:' || g)::uuid
CROSS JOIN LATERAL ` + scaleThread("$2") + `
JOIN ag ON ag.i = hh.ai
CROSS JOIN LATERAL ` + ticketLife("t.status", "t.created_at") + `
CROSS JOIN LATERAL (
    SELECT k, k % 2 = 0 AND (hashint4(hh.h # k) & 2147483647) % 10 < 3 AS internal
    FROM generate_series(1, tl.n) k
) m`

// scaleHistory: $1 run, $2 agents, $3 tickets. The status changes of ticketLife, each
// at the time of the message that came with it (a closing at its own): filed (from
// NULL to open) by the requester; the interim pause by the agent and the reopening by
// the requester; pending or solved by the agent; closed by the agent. About 3 per
// ticket, the filing included.
var scaleHistory = `
WITH ` + benchIndex("ag", "agent", "$2") + `
INSERT INTO ticket_status_changes (ticket_id, actor_id, from_status, to_status, created_at)
SELECT t.id, c.actor, c.from_status, c.to_status, c.at
FROM generate_series(1, $3::int) g
JOIN tickets t ON t.id = md5($1::text || ':tk:' || g)::uuid
CROSS JOIN LATERAL ` + scaleThread("$2") + `
JOIN ag ON ag.i = hh.ai
CROSS JOIN LATERAL ` + ticketLife("t.status", "t.created_at") + `
CROSS JOIN LATERAL (VALUES
    (1, t.requester_id, NULL, 'open', t.created_at),
    (2, ag.id, 'open', tl.interim, tl.t2),
    (3, t.requester_id, tl.interim, 'open', tl.t3),
    (4, ag.id, 'open', CASE WHEN t.status = 'pending' THEN 'pending' ELSE 'solved' END, tl.tn),
    (5, ag.id, 'solved', 'closed', tl.tc)
) c (n, actor, from_status, to_status, at)
WHERE CASE c.n WHEN 1 THEN true
               WHEN 2 THEN tl.interim IS NOT NULL
               WHEN 3 THEN tl.interim IS NOT NULL
               WHEN 4 THEN t.status <> 'open'
               ELSE t.status = 'closed' END`
