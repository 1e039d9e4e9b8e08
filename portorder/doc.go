// Package portorder holds the domain logic of port orders between
// providers: the gaining provider (new SP) sends a port order (LSR) to the
// losing provider (old SP), which validates it against its Customer Service
// Record (CSR) and answers with a firm order commitment (FOC) date or a
// rejection.
//
// The package is pure: it does no I/O besides reading its embedded USPS
// Publication 28 tables (pub28/, see pub28/SOURCE.md). The store persists
// Orders (JSON, snake_case) and calls the functions here, which change an
// Order in memory and return *npac.Error values whose Message a person can
// act on; on error the Order is left unchanged. Times are passed in
// ("now"), never read from the clock.
//
// What it provides:
//
//   - Order and its parts (EndUser, Address, Account, OrderTN,
//     RemainingService, LOA, Document, Approval, Rejection, Event).
//   - The lifecycle (Transition, Submit, ConfirmFOC, Reject, Supp,
//     Activate, Complete, Cancel, Apply): draft → submitted → foc |
//     rejected → activating → completed, supp back to submitted, canceled
//     from any non-final status; per-number status and history.
//   - Pre-submit checks (Requirements), including PO box detection
//     (IsPOBox).
//   - The rejection vocabulary (Codes), the automatic validation against a
//     CSR (Validate, Check) and the refusal of reasons the FCC and CRTC do
//     not permit (Reject).
//   - Time rules in each NPAC region's time zone with caller-supplied
//     holidays (EarliestDue, CheckDue, CancelAllowed, FeeTier,
//     ApprovalDeadline, RejectionExpires), all tunable through Rules.
//   - Project ports (Split), simple ports (SimplePort) and the pure part of
//     a portability check (CheckTN).
//
// Sources (paths relative to the repository's parent directory):
//
//   - shared/seeds/002_601e8a33321c1127.pages.txt: the VoIP.ms wiki —
//     Porting FAQ (lines 1-344), "Port Rejection" (lines 346-475; every
//     reason in it has a code in Codes) and "Porting a Number". Cited as
//     "seed 002 line N".
//   - shared/seeds/004_36f7fdb5b175f7c9.txt: the Plivo porting guide —
//     documents needed, project ports above 100 numbers, cancel fee tiers,
//     rejection reasons. Cited as "seed 004 line N".
//   - shared/reference/porting-apis.md: commercial porting APIs' state
//     machines, order fields, reject codes and timing rules, and the FCC
//     simple-port fields (47 CFR 52.36).
//   - shared/data/usps-pub28: the Pub 28 street-suffix, secondary-unit and
//     directional tables, embedded in pub28/.
//
// Decisions a reader may not expect are documented where they are made:
// the "midnight that day" reading of the simple-port interval
// (EarliestDue), Canadian unit designators compared by identifier only and
// St/Saint (Validate), the PIN for US wireless but the account number and
// IMEI for Canadian wireless (Requirements), the fee tier boundaries
// (DefaultTiers) and the inputs of the simple-port test (SimplePort).
package portorder
