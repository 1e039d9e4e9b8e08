// Package npac holds the domain of OpenNPAC: telephone numbers, service
// providers, network data, subscription versions and their lifecycle, and the
// service interfaces the stores and transports implement. It imports only the
// standard library.
package npac

import (
	"errors"
	"fmt"
)

// General error codes. Every error a service returns carries one of these or
// one of the domain codes below, so that a client can react to the code and
// show the message to a person.
const (
	EINVALID      = "invalid"      // the request is malformed or a field is out of range
	ENOTFOUND     = "not-found"    // the named thing does not exist
	ECONFLICT     = "conflict"     // the request clashes with the current state
	EUNAUTHORIZED = "unauthorized" // no valid credentials
	EFORBIDDEN    = "forbidden"    // credentials valid, action not allowed for them
	EINTERNAL     = "internal"     // a fault on our side; details are logged, not shown
	ETOOLARGE     = "too-large"    // the request exceeds a size limit
	EUNAVAILABLE  = "unavailable"  // the service is shutting down or not ready
	EIDEMPOTENCY  = "idempotency-key-reused"
)

// Domain error codes a client must react to differently from the general ones.
const (
	ESVAlreadyPending      = "sv-already-pending"             // the TN already has a pending-like SV
	ESVWrongStatus         = "sv-wrong-status"                // the SV's status does not allow the action
	ESVWrongActor          = "sv-wrong-actor"                 // the acting SP is not the one the action needs
	ESVNotConcurred        = "sv-not-concurred"               // activation before the old SP concurred or T2 expired
	ESVDueDateNotReached   = "sv-due-date-not-reached"        // activation before the due date
	EConflictWindowClosed  = "conflict-window-closed"         // conflict after the conflict restriction window
	EConflictAlreadyUsed   = "conflict-already-used"          // the old SP already placed this SV in conflict once
	EConflictRestricted    = "conflict-resolution-restricted" // new SP removing a conflict too early or for a restricted cause
	ELRNNotOwned           = "lrn-not-owned"                  // the LRN does not belong to the new SP
	ENPANXXNotPortable     = "npa-nxx-not-portable"           // the TN's code is unknown or not open for porting
	EOldSPMismatch         = "old-sp-mismatch"                // the old SP named is not the TN's current SP
	ECreateMismatch        = "create-mismatch"                // the two sides' creates disagree
	EInUse                 = "in-use"                         // network data still referenced by live SVs
	ENotAuthorizedForSPID  = "spid-not-authorized"            // the user may not act for that SPID
	EPortToOriginalInvalid = "port-to-original-invalid"       // port-to-original where the TN is not ported away from its holder
	ERateLimited           = "rate-limited"                   // too many lookups in the last minute
	ELookupLimit           = "lookup-limit"                   // a limited lookup session's numbers are used up
)

// Error is the one error type of OpenNPAC. Code is stable and machine
// readable; Message is a sentence a person can act on. Errors that are not
// of this type are internal and are shown only as "internal error".
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("npac error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or
// "Internal error." for any other error.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
