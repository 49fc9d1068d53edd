package syncproto

import (
	"errors"
	"fmt"
)

// Refusals. A backend reports them, the server maps each to an HTTP status
// and sends its message, and the client matches the answer against them
// (syncclient's ServerError), so both ends use these values.
var (
	ErrPracticeExists  = errors.New("this practice is already registered on the server")
	ErrUnknownPractice = errors.New("the server does not know this practice")
	ErrUnknownDevice   = errors.New("the server does not know this device")
	ErrDeviceRevoked   = errors.New("this device has been revoked")
	ErrDeviceExists    = errors.New("a device with this ID is already enrolled")
	ErrMissingParent   = errors.New("a revision's parent is not on the server")
	ErrBadRequest      = errors.New("bad request")
	// Enrollment refusals. An unknown code and a code of another practice
	// get the same answer.
	ErrUnknownEnrollment = errors.New("the server does not know this enrollment code (mistyped, for another practice, or for another server)")
	ErrEnrollmentUsed    = errors.New("this enrollment code has been used already; ask for a new one")
	ErrEnrollmentExpired = errors.New("this enrollment code has expired; ask for a new one")
	ErrIssuerRevoked     = errors.New("the workstation that issued this enrollment code has been revoked; ask for a new one")
)

// ErrQuotaExceeded is the refusal of a write that would take a practice
// over its storage quota; nothing of the write is stored.
var ErrQuotaExceeded = errors.New("the practice's storage on the sync server is full")

// Blob refusals.
var (
	ErrBlobTooLarge   = fmt.Errorf("this document is larger than the sync server accepts (at most %d MiB); it stays on this workstation only", MaxBlobSize>>20)
	ErrUnknownBlob    = errors.New("the server does not hold this document")
	ErrBlobMismatch   = errors.New("the server holds a different upload under this document's ID")
	ErrBlobIncomplete = errors.New("the server does not hold every part of this document yet")
)

// ErrAuditDiverged is the refusal of audit entries that do not continue a
// device's chain as the server holds it.
var ErrAuditDiverged = errors.New("the audit log of this workstation does not continue the copy the server holds; it was rolled back (restored from an old copy) or edited here")
