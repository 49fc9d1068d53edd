package syncserver

import (
	"crypto/subtle"
	"net/http"
	"time"

	"chartkeeper/syncproto"
)

// The handlers of the revision log, devices and enrollment.

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, syncproto.Health{OK: true, ServerID: s.b.ServerID(), Version: syncproto.ProtocolVersion, Time: s.now().UTC()})
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	if !s.registerLimit.allow(clientAddr(r), time.Now()) {
		writeErr(w, http.StatusTooManyRequests, "too many registrations from this address; try again in a minute")
		return
	}
	if s.registrationSecret == "" && !s.openRegistration {
		writeErr(w, http.StatusForbidden, "this server does not accept new practices (its operator has set no registration secret)")
		return
	}
	req, ok := readRequest(s, w, r, syncproto.MaxSmallBody, DecodeRegister)
	if !ok {
		return
	}
	ai := r.Context().Value(authKey).(*authInfo)
	ai.practice, ai.device = req.PracticeID, req.DeviceID
	if s.registrationSecret != "" &&
		subtle.ConstantTimeCompare([]byte(req.RegistrationSecret), []byte(s.registrationSecret)) != 1 {
		writeErr(w, http.StatusForbidden, "this server accepts new practices only with its registration secret")
		return
	}
	d := Device{ID: req.DeviceID, Name: req.DeviceName, TokenHash: syncproto.HashToken(req.Token), PublicKey: req.PublicKey, Created: s.now().UTC()}
	keys := PracticeKeys{Admin: req.AdminKey, Recovery: req.RecoveryKey}
	if err := s.b.RegisterPractice(r.Context(), req.PracticeID, d, keys); err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, syncproto.Health{OK: true, ServerID: s.b.ServerID(), Version: syncproto.ProtocolVersion})
}

func (s *Server) push(w http.ResponseWriter, r *http.Request, ai authInfo) {
	req, ok := readRequest(s, w, r, syncproto.MaxPushBytes, DecodePush)
	if !ok {
		return
	}
	res, err := s.b.Push(r.Context(), ai.practice, ai.device, req.Revs)
	if err != nil {
		s.fail(w, err)
		return
	}
	// A push that stored nothing new (a replay, or revisions the server
	// holds sent again) is answered as before whatever state it carries
	// (devicestate.go).
	if !s.deviceState(w, r, ai, req.State, res.Inserted == 0) {
		return
	}
	if res.Inserted > 0 {
		s.signalFor(ai.practice).fire()
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) changes(w http.ResponseWriter, r *http.Request, ai authInfo) {
	cq, err := ParseChangesQuery(r.URL.Query())
	if err != nil {
		s.fail(w, err)
		return
	}
	skip := ai.device
	if cq.All {
		skip = ""
	}
	var timeout <-chan time.Time
	if cq.Wait > 0 {
		release, ok := s.take(ai.practice+"/"+ai.device, true)
		if !ok {
			writeErr(w, http.StatusTooManyRequests, "this device already waits for changes in several requests; try again shortly")
			return
		}
		defer release()
		t := time.NewTimer(cq.Wait)
		defer t.Stop()
		timeout = t.C
	}
	sig := s.signalFor(ai.practice)
	// An audit push answers the long-poll too, so the client fetches the
	// new entries at once (audit.go).
	audit := s.signalFor(ai.practice + auditSignal).wait()
	for {
		wake := sig.wait() // before reading, so a push in between is not missed
		res, err := s.b.Changes(r.Context(), ai.practice, cq.Since, cq.Limit, syncproto.MaxPullBytes, skip)
		if err != nil {
			s.fail(w, err)
			return
		}
		res.ServerID = s.b.ServerID()
		if len(res.Revs) > 0 || res.More || timeout == nil || res.LastSeq < cq.Since {
			writeJSON(w, http.StatusOK, res)
			return
		}
		cq.Since = res.LastSeq // own pushes skipped meanwhile stay skipped
		select {
		case <-wake:
		case <-audit:
			writeJSON(w, http.StatusOK, res)
			return
		case <-timeout:
			writeJSON(w, http.StatusOK, res)
			return
		case <-s.closing:
			writeJSON(w, http.StatusOK, res)
			return
		case <-r.Context().Done():
			return
		}
	}
}

func deviceInfo(d Device) syncproto.DeviceInfo {
	return syncproto.DeviceInfo{ID: d.ID, Name: d.Name, Created: d.Created, Revoked: d.Revoked, Keyless: len(d.PublicKey) == 0}
}

func (s *Server) devices(w http.ResponseWriter, r *http.Request, ai authInfo) {
	ds, err := s.b.Devices(r.Context(), ai.practice)
	if err != nil {
		s.fail(w, err)
		return
	}
	out := []syncproto.DeviceInfo{}
	for _, d := range ds {
		out = append(out, deviceInfo(d))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request, ai authInfo) {
	req, ok := readRequest(s, w, r, syncproto.MaxSmallBody, DecodeRevoke)
	if !ok {
		return
	}
	// A device may revoke itself (a workstation whose join failed gives
	// its credential up); any other needs the administration key.
	if req.DeviceID != ai.device {
		msg := syncproto.RevokeMessage(ai.practice, ai.device, req.DeviceID, req.IssuedAt)
		if !s.checkAdmin(w, r, ai, syncproto.PurposeRevoke, msg, req.AdminSig, req.IssuedAt) {
			return
		}
	}
	if err := s.b.RevokeDevice(r.Context(), ai.practice, req.DeviceID, s.now()); err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		OK bool `json:"ok"`
	}{true})
}

// deviceKey registers the signing key of a device enrolled before devices
// had keys: once, with its token, signed by that key (authedFor checked
// the signature against the key in the body). The same key again is
// accepted; another is refused for good (ErrDeviceKeyExists).
func (s *Server) deviceKey(w http.ResponseWriter, r *http.Request, ai authInfo) {
	req, ok := readRequest(s, w, r, syncproto.MaxSmallBody, DecodeDeviceKey)
	if !ok {
		return
	}
	if ai.key == nil {
		if err := s.b.SetDeviceKey(r.Context(), ai.practice, ai.device, req.PublicKey); err != nil {
			s.fail(w, err)
			return
		}
		if s.logger != nil {
			s.logger.Info("device key registered", "client", clientAddr(r), "practice", syncproto.ShortID(ai.practice), "device", syncproto.ShortID(ai.device))
		}
	} else if subtle.ConstantTimeCompare(ai.key, req.PublicKey) != 1 {
		s.fail(w, syncproto.ErrDeviceKeyExists)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		OK bool `json:"ok"`
	}{true})
}

// enroll keeps a one-time enrollment left by an enrolled device. The server
// sees no roles: the request must carry the practice's administration
// signature (which only an HIM manager's session can make), and the
// secrets arrive sealed under a key the server never sees.
func (s *Server) enroll(w http.ResponseWriter, r *http.Request, ai authInfo) {
	req, ok := readRequest(s, w, r, syncproto.MaxSmallBody, DecodeEnroll)
	if !ok {
		return
	}
	if !s.checkAdmin(w, r, ai, syncproto.PurposeEnroll, syncproto.EnrollMessage(ai.practice, ai.device, req), req.AdminSig, req.IssuedAt) {
		return
	}
	now := s.now().UTC()
	e := Enrollment{TokenHash: req.TokenHash, Sealed: req.Sealed, Issuer: ai.device, Created: now,
		Expires: now.Add(time.Duration(req.TTLSeconds) * time.Second)}
	if err := s.b.AddEnrollment(r.Context(), ai.practice, e); err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, syncproto.EnrollResponse{Expires: e.Expires})
}

// redeem turns a one-time enrollment into a device of the practice.
func (s *Server) redeem(w http.ResponseWriter, r *http.Request) {
	if !s.redeemLimit.allow(clientAddr(r), time.Now()) {
		writeErr(w, http.StatusTooManyRequests, "too many enrollment attempts from this address; try again in a minute")
		return
	}
	req, ok := readRequest(s, w, r, syncproto.MaxSmallBody, DecodeRedeem)
	if !ok {
		return
	}
	ai := r.Context().Value(authKey).(*authInfo)
	ai.practice, ai.device = req.PracticeID, req.DeviceID
	now := s.now().UTC()
	d := Device{ID: req.DeviceID, Name: req.DeviceName, TokenHash: syncproto.HashToken(req.DeviceToken), PublicKey: req.PublicKey, Created: now}
	sealed, err := s.b.RedeemEnrollment(r.Context(), req.PracticeID, syncproto.HashToken(req.Token), d, now)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, syncproto.RedeemResponse{ServerID: s.b.ServerID(), Sealed: sealed})
}
