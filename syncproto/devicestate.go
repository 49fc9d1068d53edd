package syncproto

import (
	"bytes"
	"errors"
	"fmt"
)

// DeviceState is what a workstation says it holds each time it pushes
// (revisions or its audit log): the head of its own audit log and the
// last sequence number of its change feed. Both only grow on a
// workstation; the server remembers the last state each device sent and
// refuses one that is behind it (ErrDeviceRolledBack): the workstation's
// store file was put back from an older copy, which the file alone cannot
// show (docs/SECURITY.md).
type DeviceState struct {
	AuditSeq  uint64 `json:"audit_seq"`
	AuditHash []byte `json:"audit_hash,omitempty"`
	Changes   uint64 `json:"changes"`
}

// ErrDeviceRolledBack is the refusal of a device whose state is behind
// what it sent before (409). The server's message starts with it and says
// by how much.
var ErrDeviceRolledBack = errors.New("this workstation's data is older than what it last sent to the server (restored from an old copy?)")

// Follows checks the state st a device sends against last, the one it
// sent before (zero: none): it returns an error wrapping
// ErrDeviceRolledBack when st is behind last, else nil. Both backends
// decide with it.
func (st DeviceState) Follows(last DeviceState) error {
	switch {
	case st.AuditSeq < last.AuditSeq:
		return fmt.Errorf("%w: its audit log ends at entry %d, and it had sent entry %d", ErrDeviceRolledBack, st.AuditSeq, last.AuditSeq)
	case st.AuditSeq == last.AuditSeq && len(last.AuditHash) > 0 && !bytes.Equal(st.AuditHash, last.AuditHash):
		return fmt.Errorf("%w: its audit log's entry %d is not the one it had sent", ErrDeviceRolledBack, st.AuditSeq)
	case st.Changes < last.Changes:
		return fmt.Errorf("%w: its change feed ends at %d, and it had sent %d", ErrDeviceRolledBack, st.Changes, last.Changes)
	}
	return nil
}

// CheckDeviceState checks a state's sizes (part of decoding a request).
func CheckDeviceState(st *DeviceState) error {
	if st != nil && len(st.AuditHash) > 64 {
		return fmt.Errorf("%w: device state", ErrBadRequest)
	}
	return nil
}
