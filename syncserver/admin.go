package syncserver

import (
	"bytes"
	"errors"
	"net/http"
	"time"

	"chartkeeper/store"
	"chartkeeper/syncproto"
)

// Administration signatures (syncproto's admin.go; docs/SYNC.md): the
// server keeps the practice's administration and recovery public keys and
// checks them on revocations of other devices, enrollments and changes of
// the keys themselves, after the device's own credential and signature.

func (s *Server) registerAdmin() {
	s.mux.HandleFunc("GET /v1/practice/keys", s.authed(0, s.getPracticeKeys))
	s.mux.HandleFunc("POST /v1/practice/keys", s.authed(syncproto.MaxSmallBody, s.setPracticeKeys))
}

// checkAdmin checks an administration statement: the signature by the
// administration key the server holds for the practice, then its time.
// When it fails it answers the request (403, or what the backend's error
// maps to) and returns false.
func (s *Server) checkAdmin(w http.ResponseWriter, r *http.Request, ai authInfo, purpose string, msg, sig []byte, issuedAt int64) bool {
	keys, err := s.b.PracticeKeys(r.Context(), ai.practice)
	if err == nil {
		err = syncproto.VerifyAdmin(keys.Admin, purpose, msg, sig)
	}
	if err == nil {
		err = syncproto.CheckIssuedAt(issuedAt, s.now())
	}
	if err != nil {
		s.refuseAdmin(w, r, ai, err)
		return false
	}
	return true
}

// refuseAdmin answers a refused administration statement and logs it (a
// device that tries one without the key is worth the operator's notice).
func (s *Server) refuseAdmin(w http.ResponseWriter, r *http.Request, ai authInfo, err error) {
	if !isAdminRefusal(err) {
		s.fail(w, err)
		return
	}
	if s.logger != nil {
		s.logger.Warn("administration statement refused", "client", clientAddr(r), "path", r.URL.Path,
			"practice", syncproto.ShortID(ai.practice), "device", syncproto.ShortID(ai.device), "reason", err.Error())
	}
	writeErr(w, http.StatusForbidden, err.Error())
}

func isAdminRefusal(err error) bool {
	for _, e := range []error{syncproto.ErrAdminUnsigned, syncproto.ErrAdminBadSignature, syncproto.ErrAdminStale,
		syncproto.ErrNoAdminKey, syncproto.ErrRecoveryMismatch, syncproto.ErrAdminKeyMismatch} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func (s *Server) getPracticeKeys(w http.ResponseWriter, r *http.Request, ai authInfo) {
	keys, err := s.b.PracticeKeys(r.Context(), ai.practice)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, syncproto.PracticeKeysInfo{AdminKey: keys.Admin, RecoveryKey: keys.Recovery})
}

// setPracticeKeys sets the practice's administration and recovery keys,
// by the rules of syncproto.PracticeKeysRequest: the recovery key the
// server holds re-establishes the administration key; without one, the
// administration key it holds adds a recovery key; a practice with
// neither takes the first pair an enrolled device sends. Both keys sign
// the request (proof that the sender holds them).
func (s *Server) setPracticeKeys(w http.ResponseWriter, r *http.Request, ai authInfo) {
	req, ok := readRequest(s, w, r, syncproto.MaxSmallBody, DecodePracticeKeys)
	if !ok {
		return
	}
	if len(req.PreviousSig) > 0 {
		s.changeAdminKey(w, r, ai, req)
		return
	}
	msg := syncproto.KeysMessage(ai.practice, ai.device, req)
	var err error
	switch {
	case !store.VerifyAdmin(req.AdminKey, syncproto.PurposeKeys, msg, req.AdminSig):
		err = syncproto.ErrAdminBadSignature
	case !syncproto.VerifyRecovery(req.RecoveryKey, msg, req.RecoverySig):
		err = syncproto.ErrRecoveryMismatch
	default:
		err = syncproto.CheckIssuedAt(req.IssuedAt, s.now())
	}
	if err != nil {
		s.refuseAdmin(w, r, ai, err)
		return
	}
	old, err := s.b.PracticeKeys(r.Context(), ai.practice)
	if err != nil {
		s.fail(w, err)
		return
	}
	switch {
	case len(old.Recovery) > 0 && !bytes.Equal(old.Recovery, req.RecoveryKey):
		s.refuseAdmin(w, r, ai, syncproto.ErrRecoveryMismatch)
		return
	case len(old.Recovery) == 0 && len(old.Admin) > 0 && !bytes.Equal(old.Admin, req.AdminKey):
		s.refuseAdmin(w, r, ai, syncproto.ErrAdminKeyMismatch)
		return
	}
	next := PracticeKeys{Admin: bytes.Clone(req.AdminKey), Recovery: bytes.Clone(req.RecoveryKey)}
	if !next.Equal(old) {
		if err := s.b.ReplacePracticeKeys(r.Context(), ai.practice, old, next); err != nil {
			s.fail(w, err)
			return
		}
		if s.logger != nil {
			s.logger.Info("practice keys set", "client", clientAddr(r), "practice", syncproto.ShortID(ai.practice),
				"device", syncproto.ShortID(ai.device), "first", len(old.Admin) == 0 && len(old.Recovery) == 0,
				"admin_replaced", len(old.Admin) > 0 && !bytes.Equal(old.Admin, next.Admin))
		}
	}
	writeJSON(w, http.StatusOK, syncproto.PracticeKeysInfo{AdminKey: next.Admin, RecoveryKey: next.Recovery})
}

// changeAdminKey takes a new administration key signed by the one the
// server holds (the practice replaced it when an HIM manager was removed
// or a device revoked; store/adminkey.go). A change the server already
// took is answered as done; one signed by another key is refused.
func (s *Server) changeAdminKey(w http.ResponseWriter, r *http.Request, ai authInfo, req syncproto.PracticeKeysRequest) {
	old, err := s.b.PracticeKeys(r.Context(), ai.practice)
	if err != nil {
		s.fail(w, err)
		return
	}
	if bytes.Equal(old.Admin, req.AdminKey) {
		writeJSON(w, http.StatusOK, syncproto.PracticeKeysInfo{AdminKey: old.Admin, RecoveryKey: old.Recovery})
		return
	}
	msg := store.AdminKeyMessage(ai.practice, req.AdminKey, time.Unix(req.ChangedAt, 0))
	if err := syncproto.VerifyAdmin(old.Admin, store.AdminKeyPurpose, msg, req.PreviousSig); err != nil {
		s.refuseAdmin(w, r, ai, err)
		return
	}
	next := PracticeKeys{Admin: bytes.Clone(req.AdminKey), Recovery: bytes.Clone(old.Recovery)}
	if err := s.b.ReplacePracticeKeys(r.Context(), ai.practice, old, next); err != nil {
		s.fail(w, err)
		return
	}
	if s.logger != nil {
		s.logger.Info("administration key changed", "client", clientAddr(r), "practice", syncproto.ShortID(ai.practice),
			"device", syncproto.ShortID(ai.device))
	}
	writeJSON(w, http.StatusOK, syncproto.PracticeKeysInfo{AdminKey: next.Admin, RecoveryKey: next.Recovery})
}
