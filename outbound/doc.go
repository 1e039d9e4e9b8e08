// Package outbound pushes each provider's notification stream to the
// provider's webhooks and mailboxes.
//
// Every provider (SPID) has a durable notification stream numbered by Seq
// from 1 without gaps (see npac.Notification). An Endpoint is one
// destination for one SPID's stream, a webhook URL or a list of email
// recipients, with a cursor: the last Seq it delivered. A Worker walks every
// endpoint's stream from its cursor and hands each notification to a Sender.
//
// # Webhooks
//
// A webhook delivery is an HTTP POST of the notification's JSON (the same
// object the API's notification feed returns) with these headers:
//
//	Content-Type:        application/json
//	User-Agent:          OpenNPAC-Webhook/1
//	OpenNPAC-Event-ID:   <spid>-<seq>, e.g. 8051-42
//	OpenNPAC-Event-Kind: the notification kind, e.g. status-change
//	OpenNPAC-Signature:  t=<unix seconds>,v1=<hex HMAC-SHA256>
//
// Any 2xx answer is success. Redirects are not followed (when the Sender
// uses its default client) and count as failures, as do other answers,
// connection errors and timeouts: they are retried. 410 Gone is permanent:
// the receiver says the endpoint no longer exists, so the endpoint is
// marked Failing with no next attempt and is not tried again until it is
// updated (which clears Failing); its cursor stays, so nothing is lost.
//
// # Signature
//
// The scheme is Stripe's. The signed payload is the decimal Unix time, a
// dot, and the exact request body bytes:
//
//	v1 = hex(HMAC-SHA256(key = secret, message = "<unix>" + "." + body))
//
// where the key is the endpoint's secret string as is (its bytes,
// including any "whsec_" prefix). A receiver recomputes v1 over the raw
// body before parsing it, compares in constant time, and rejects a t too
// far from its own clock (5 minutes is a good tolerance) to stop replays
// of captured requests. Verify does all of that. The header may carry
// several v1 values (for secret rotation); one match suffices.
//
// # Email
//
// An email endpoint gets a plain-text rendering of each notification
// (FormatEmail) through a Mailer, an SMTP client that uses STARTTLS when
// the relay offers it and AUTH PLAIN when a username is set. A recipient
// the relay rejects permanently (5xx to RCPT TO) marks the endpoint Failing
// like a webhook's 410; any other failure (4xx such as greylisting's 451,
// other 5xx, connection errors, timeouts) is retried.
//
// # Retries
//
// A failed delivery stops that endpoint at that Seq (later notifications
// wait, so order is preserved) and schedules the next attempt after
// Backoff(attempt): 10s, 30s, 1m, 5m, 15m, then every hour, each with
// ±10% random jitter so that endpoints failing together do not retry in
// lock step. Retries never give up on their own: an endpoint that keeps
// failing is retried hourly until it recovers or is updated.
// Other endpoints are not held up: endpoints are delivered concurrently,
// each by at most one goroutine at a time.
//
// # Running
//
// Worker.RunOnce makes one pass over the endpoints that are due and waits
// for it (for tests, or for a scheduler that owns the timing); Worker.Run
// makes passes every Interval, or at once after Worker.Kick, until its
// context ends. Neither holds a lock in the store, so run one worker per
// store: two workers on the same store would each deliver (harmless under
// at-least-once, but doubled).
//
// # At least once
//
// Delivery is at least once. The cursor advances only after the receiver
// acknowledged, so a crash, a timeout after the receiver processed the
// request, or a replay may deliver a notification again. The event ID
// <spid>-<seq> is the same every time, and receivers must de-duplicate by
// it (or process idempotently). Within one endpoint, deliveries arrive in
// Seq order, one at a time.
//
// # Replay
//
// To redeliver an endpoint's notifications from seq N on, set its Cursor
// to N-1 (the store does this; "replay from seq N" = Cursor N-1). The
// worker then sends N, N+1, ... again with the same event IDs and bodies
// (and fresh signatures).
//
// # Filtering
//
// An endpoint with Kinds set receives only notifications of those kinds;
// the others are skipped and its cursor moves past them.
package outbound
