package syncclient

import (
	"errors"
	"net/http"
	"strings"

	"chartkeeper/store"
	"chartkeeper/syncproto"
)

// A workstation put back from an older copy of its store (docs/SYNC.md,
// "A workstation put back from an older copy"): every push carries what
// the store holds (syncproto.DeviceState), and the server refuses a state
// behind the last one this device sent.

// RolledBackMessage is what the workstation shows and ckadmin prints when
// the server refuses it as older than what it last sent.
const RolledBackMessage = "This workstation's data is older than what it last sent to the server (restored from an old copy?): its data folder was rolled back. " +
	"It sends nothing more until this is settled. If the newer copy of its data folder still exists, close Chartkeeper and put that copy back. " +
	"Otherwise ask a health information manager to enroll this workstation again as a new device: " +
	"what it had sent comes back from the server with the first sync."

// RolledBackError is the refusal of a workstation whose data is older
// than what it last sent. errors.Is matches it with
// syncproto.ErrDeviceRolledBack.
type RolledBackError struct {
	// Detail is the server's word on what is behind (audit log or change
	// feed, and by how much).
	Detail string
	// Audit: the refusal came with a push of the audit log, which the
	// server also refused ([ErrAuditRefused] matches it then).
	Audit bool
}

func (e *RolledBackError) Error() string {
	if e.Detail == "" {
		return RolledBackMessage
	}
	return RolledBackMessage + " (The server says: " + e.Detail + ".)"
}

// Is matches syncproto.ErrDeviceRolledBack, and ErrAuditRefused for a
// refused audit log.
func (e *RolledBackError) Is(target error) bool {
	return target == syncproto.ErrDeviceRolledBack || e.Audit && target == ErrAuditRefused
}

// deviceStateOf is what the store holds, as a push carries it.
func deviceStateOf(tx *store.Tx, head store.AuditHead) *syncproto.DeviceState {
	st := &syncproto.DeviceState{AuditSeq: head.Seq, Changes: tx.LastChange()}
	if head.Seq > 0 {
		st.AuditHash = append([]byte(nil), head.Hash[:]...)
	}
	return st
}

// ownDeviceState reads the store's state for a push.
func ownDeviceState(tx *store.Tx) (*syncproto.DeviceState, error) {
	head, err := tx.OwnAuditHead()
	if err != nil {
		return nil, err
	}
	return deviceStateOf(tx, head), nil
}

// rolledBack turns the server's refusal of an older state into a
// [*RolledBackError]; other errors pass unchanged.
func rolledBack(err error) error {
	var se *ServerError
	if errors.As(err, &se) && se.Status == http.StatusConflict {
		if detail, ok := strings.CutPrefix(se.Msg, syncproto.ErrDeviceRolledBack.Error()); ok {
			return &RolledBackError{Detail: strings.TrimPrefix(detail, ": ")}
		}
	}
	return err
}
