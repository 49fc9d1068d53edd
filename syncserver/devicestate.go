package syncserver

import (
	"errors"
	"net/http"

	"chartkeeper/syncproto"
)

// Workstations put back from an older copy of their store. A workstation
// sends its state (its audit head and the end of its change feed,
// syncproto.DeviceState) with every push of revisions and of its audit
// log; the backend keeps the last one per device and refuses one behind
// it (Backend.RecordDeviceState). The file alone cannot show that it is
// an old copy; the server, which saw what came after, can. The state is
// judged after the push is stored, so that a refused audit log is noted
// on its stream as before, where the other workstations learn of it.

// deviceState checks and keeps the state a push carries, after the push
// was stored. It answers the request itself (409 with a plain message, or
// another failure) and returns false when the push must not be answered
// as done. A push without a state (a workstation made before it) is done;
// so is one behind that stored nothing new, when nothingNew is set: a
// replayed request (a push stays idempotent), or a workstation put back
// from an old copy offering again what the server holds, which is refused
// at its next push of anything new (its audit log first: every sign-in
// adds to it).
func (s *Server) deviceState(w http.ResponseWriter, r *http.Request, ai authInfo, st *syncproto.DeviceState, nothingNew bool) bool {
	if st == nil {
		return true
	}
	if err := syncproto.CheckDeviceState(st); err != nil {
		s.fail(w, err)
		return false
	}
	err := s.b.RecordDeviceState(r.Context(), ai.practice, ai.device, *st, s.now())
	if errors.Is(err, syncproto.ErrDeviceRolledBack) && nothingNew {
		return true
	}
	if errors.Is(err, syncproto.ErrDeviceRolledBack) {
		if s.logger != nil {
			s.logger.Warn("workstation rolled back", "practice", syncproto.ShortID(ai.practice), "device", syncproto.ShortID(ai.device))
		}
		writeErr(w, http.StatusConflict, err.Error())
		return false
	}
	if err != nil {
		s.fail(w, err)
		return false
	}
	return true
}
