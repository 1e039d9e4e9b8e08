package http

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/portorder"
)

// problemTypeBase prefixes an error code to form a problem's type URI.
const problemTypeBase = "https://opennpac.org/problems/"

// codeMethodNotAllowed is the one error code of the HTTP layer alone: the
// path exists but not with the request's method.
const codeMethodNotAllowed = "method-not-allowed"

// problemKind is the HTTP status and the short title of an error code.
type problemKind struct {
	status int
	title  string
}

// problems is the one table from error codes to HTTP statuses. Codes not in
// it are answered as internal errors. openapi.yaml lists the same codes in
// its Problem schema; a test keeps the two equal.
var problems = map[string]problemKind{
	npac.EINVALID:        {http.StatusBadRequest, "Invalid request"},
	npac.EUNAUTHORIZED:   {http.StatusUnauthorized, "Unauthorized"},
	npac.EFORBIDDEN:      {http.StatusForbidden, "Forbidden"},
	npac.ENOTFOUND:       {http.StatusNotFound, "Not found"},
	codeMethodNotAllowed: {http.StatusMethodNotAllowed, "Method not allowed"},
	npac.ECONFLICT:       {http.StatusConflict, "Conflict"},
	npac.ETOOLARGE:       {http.StatusRequestEntityTooLarge, "Request too large"},
	npac.EIDEMPOTENCY:    {http.StatusUnprocessableEntity, "Idempotency key reused"},
	npac.EINTERNAL:       {http.StatusInternalServerError, "Internal error"},
	npac.EUNAVAILABLE:    {http.StatusServiceUnavailable, "Service unavailable"},

	npac.ENotAuthorizedForSPID:  {http.StatusForbidden, "Not authorized for SPID"},
	npac.ESVAlreadyPending:      {http.StatusConflict, "Subscription version already pending"},
	npac.ESVWrongStatus:         {http.StatusConflict, "Wrong subscription version status"},
	npac.ESVWrongActor:          {http.StatusConflict, "Wrong provider for this action"},
	npac.ESVNotConcurred:        {http.StatusConflict, "Port not concurred"},
	npac.ESVDueDateNotReached:   {http.StatusConflict, "Due date not reached"},
	npac.EConflictWindowClosed:  {http.StatusConflict, "Conflict window closed"},
	npac.EConflictAlreadyUsed:   {http.StatusConflict, "Conflict already used"},
	npac.EConflictRestricted:    {http.StatusConflict, "Conflict resolution restricted"},
	npac.ECreateMismatch:        {http.StatusConflict, "Creates disagree"},
	npac.EInUse:                 {http.StatusConflict, "Still in use"},
	npac.EPortToOriginalInvalid: {http.StatusConflict, "Port-to-original invalid"},
	npac.ELRNNotOwned:           {http.StatusUnprocessableEntity, "LRN not owned"},
	npac.ENPANXXNotPortable:     {http.StatusUnprocessableEntity, "NPA-NXX not portable"},
	npac.EOldSPMismatch:         {http.StatusUnprocessableEntity, "Old SP mismatch"},
	npac.ELogTruncated:          {http.StatusGone, "Broadcast log truncated"},
	npac.ERateLimited:           {http.StatusTooManyRequests, "Rate limited"},
	npac.ELookupLimit:           {http.StatusTooManyRequests, "Lookup limit reached"},

	portorder.EOrderWrongStatus:   {http.StatusConflict, "Wrong order status"},
	portorder.ECancelTooLate:      {http.StatusConflict, "Too late to cancel or change"},
	portorder.ERejectionExpired:   {http.StatusConflict, "Rejection expired"},
	portorder.EFOCNotReached:      {http.StatusConflict, "FOC date not reached"},
	portorder.EApprovalRequired:   {http.StatusConflict, "Wireless approval required"},
	portorder.ERequirementsUnmet:  {http.StatusUnprocessableEntity, "Order requirements unmet"},
	portorder.EDueDate:            {http.StatusUnprocessableEntity, "Due date invalid"},
	portorder.ERejectNotPermitted: {http.StatusUnprocessableEntity, "Rejection reason not permitted"},
	codeNotPortable:               {http.StatusUnprocessableEntity, "Numbers not portable"},
}

// problem is an RFC 9457 problem document, with the error code as an
// extension member.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// problemOf turns an error into what the client sees. An internal error
// shows no detail; the caller logs it.
func problemOf(err error) problem {
	code := npac.ErrorCode(err)
	k, ok := problems[code]
	if !ok {
		code, k = npac.EINTERNAL, problems[npac.EINTERNAL]
	}
	detail := npac.ErrorMessage(err)
	if code == npac.EINTERNAL {
		detail = "Internal error."
	}
	return problem{Type: problemTypeBase + code, Title: k.title, Status: k.status, Code: code, Detail: detail}
}

// writeError is the one function that answers a request with an error. An
// internal error is logged here, once, with the real cause.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	p := problemOf(err)
	switch {
	case p.Code == npac.EINTERNAL && canceled(r.Context(), err):
		// The client went away or the server is shutting down; no one is
		// there to read an answer and nothing is wrong on our side.
		p = problemOf(npac.Errorf(npac.EUNAVAILABLE, "The request was canceled."))
		s.logger().Info("request canceled", "method", r.Method, "path", r.URL.Path, "request_id", requestID(r.Context()))
	case p.Code == npac.EINTERNAL:
		s.logger().Error("internal error", "method", r.Method, "path", r.URL.Path, "request_id", requestID(r.Context()), "err", err)
	}
	if p.Status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="OpenNPAC"`)
	}
	// A rate-limited caller is told when its minute is over. A used-up
	// lookup session (lookup-limit, also 429) gets no Retry-After:
	// waiting does not help, a new session does.
	if p.Code == npac.ERateLimited {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter(err)))
	}
	writeProblem(w, p)
}

// writeProblem writes a problem document.
func writeProblem(w http.ResponseWriter, p problem) {
	b, _ := json.Marshal(p) // a problem always marshals
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	w.Write(append(b, '\n'))
}

// retryAfterIn finds the wait a rate-limited refusal names.
var retryAfterIn = regexp.MustCompile(`try again in (\d+) seconds?`)

// retryAfter returns the seconds a rate-limited caller waits: until its
// minute is over, as the store's refusal says, else a whole minute.
func retryAfter(err error) int {
	if m := retryAfterIn.FindStringSubmatch(npac.ErrorMessage(err)); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n >= 1 && n <= 60 {
			return n
		}
	}
	return 60
}

// canceled reports whether err is the request context ending.
func canceled(ctx context.Context, err error) bool {
	return ctx.Err() != nil && errors.Is(err, ctx.Err())
}
