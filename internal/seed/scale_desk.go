package seed

// scaleTickets: $1 run, $2 customers, $3 how many. About 8% open and 7% pending (opened
// in the last month), 40% solved and 45% closed (over the last year); priorities 25%
// low, 45% normal, 20% high, 10% urgent. Nothing is younger than two days, so that
// every message of a thread is in the past.
var scaleTickets = `
WITH ` + benchIndex("cust", "customer", "$2") + `,
picks AS (
    SELECT g,
           1 + (hashint4(g # 23) & 2147483647) % $2::int AS ci,
           (hashint4(g # 29) & 2147483647) % 100 AS s,
           (hashint4(g # 31) & 2147483647) % 100 AS p,
           random() AS r
    FROM generate_series(1, $3::int) g
)
INSERT INTO tickets (id, requester_id, subject, status, priority, created_at)
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
       CASE WHEN x.s < 8 THEN 'open' WHEN x.s < 15 THEN 'pending' WHEN x.s < 55 THEN 'solved' ELSE 'closed' END,
       CASE WHEN x.p < 25 THEN 'low' WHEN x.p < 70 THEN 'normal' WHEN x.p < 90 THEN 'high' ELSE 'urgent' END,
       now() - interval '2 days'
           - x.r * CASE WHEN x.s < 15 THEN interval '28 days' ELSE interval '363 days' END
FROM picks x
JOIN cust ON cust.i = x.ci`

// scaleMessages: $1 run, $2 agents, $3 tickets. 2 to 18 messages per ticket (10 on
// average), alternating between the requester (first) and one agent per ticket; about
// 30% of the agent's messages are internal notes. Each message is 10 minutes to 2 hours
// after the one before it.
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
       t.created_at + ((m.k - 1) * hh.step + CASE WHEN m.k > 1 THEN random() * 0.9 * hh.step ELSE 0 END)
           * interval '1 minute'
FROM generate_series(1, $3::int) g
JOIN tickets t ON t.id = md5($1::text || ':tk:' || g)::uuid
CROSS JOIN LATERAL (
    SELECT h, 2 + h % 17 AS cnt, 10 + (h / 17) % 110 AS step, 1 + (h / 1870) % $2::int AS ai
    FROM (SELECT hashint4(g # 41) & 2147483647 AS h) h0
) hh
JOIN ag ON ag.i = hh.ai
CROSS JOIN LATERAL (
    SELECT k, k % 2 = 0 AND (hashint4(hh.h # k) & 2147483647) % 10 < 3 AS internal
    FROM generate_series(1, hh.cnt) k
) m`
