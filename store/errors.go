package store

import "errors"

// Sentinel errors. Callers test them with [errors.Is]; the messages are
// written for the person at the keyboard, since they are often shown as is.
var (
	// ErrLocked means the store has no unlocked session: sign in first.
	ErrLocked = errors.New("the store is locked: sign in first")
	// ErrNoPractice means the data folder holds no practice yet.
	ErrNoPractice = errors.New("no practice has been set up in this data folder yet")
	// ErrPracticeExists means Create was called on a folder that already has one.
	ErrPracticeExists = errors.New("this data folder already holds a practice")
	// ErrWrongPassword means the password did not open the user's keyslot.
	ErrWrongPassword = errors.New("wrong password")
	// ErrUnknownUser means there is no user of that name in this practice.
	ErrUnknownUser = errors.New("no user of that name in this practice")
	// ErrUserDisabled means the account exists but was disabled by an HIM manager.
	ErrUserDisabled = errors.New("this account has been disabled; ask a health information manager")
	// ErrBackoff means too many wrong passwords: wait before the next try.
	ErrBackoff = errors.New("too many wrong passwords: wait before trying again")
	// ErrWrongRecoveryKey means the recovery key did not open the recovery slot.
	ErrWrongRecoveryKey = errors.New("wrong recovery key")
	// ErrTampered means stored bytes failed authentication: they were changed,
	// moved or truncated outside Chartkeeper, or the disk damaged them.
	ErrTampered = errors.New("stored data failed its integrity check (changed, moved or damaged)")
	// ErrNotFound means no record, revision, blob or user has that ID.
	ErrNotFound = errors.New("not found")
	// ErrPermission means the signed-in user's role may not do this.
	ErrPermission = errors.New("your role does not allow this")
	// ErrConflict means the record changed since it was read: reload and retry.
	ErrConflict = errors.New("the record was changed by someone else since it was opened: reload it and try again")
	// ErrInvalid means an argument is malformed (an empty name, a bad ID).
	ErrInvalid = errors.New("invalid input")
	// ErrNoPracticeSecret means this folder lacks the practice secret that only
	// enrolled workstations hold; the recovery key can restore it.
	ErrNoPracticeSecret = errors.New("this workstation does not hold the practice secret: restore it with the practice's recovery key")
	// ErrNoMergeRule means a record has concurrent revisions and the store
	// was opened without a merge rule for its type ([WithMergeRules]), so
	// it cannot tell which one every workstation shows.
	ErrNoMergeRule = errors.New("the program opened the store without a merge rule for the record type")
	// ErrSchemaTooNew means the store was written by a newer Chartkeeper.
	ErrSchemaTooNew = errors.New("this data folder was written by a newer version of Chartkeeper: update this workstation")
)
