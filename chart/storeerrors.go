package chart

import "chartkeeper/store"

// The store's errors that the Service passes on, named here so that its
// callers can tell them apart with errors.Is without reaching into the
// store: a record refused as invalid ([ValidationError] matches
// ErrInvalid), one that is not there, an action the role may not take
// ([PermissionError] matches ErrPermission), and a store that is locked.
var (
	ErrInvalid    = store.ErrInvalid
	ErrNotFound   = store.ErrNotFound
	ErrPermission = store.ErrPermission
	ErrLocked     = store.ErrLocked
)
