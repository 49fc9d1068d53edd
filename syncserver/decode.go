package syncserver

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"chartkeeper/store"
	"chartkeeper/syncproto"
)

// The server's request decoders: each parses a body or query and checks
// it against the protocol's shapes and limits before anything reaches the
// backend (the server cannot check more: it has no key). They are fuzzed.

// maxEnrollSealed bounds the sealed secrets of one enrollment.
const maxEnrollSealed = 1024

// checkRev validates a pushed revision's shape (the server cannot check
// more: it has no key).
func checkRev(r *syncproto.Rev) error {
	if !store.ValidRecordID(r.RecordID) {
		return fmt.Errorf("%w: bad record ID", syncproto.ErrBadRequest)
	}
	rv, err := store.ParseRev(r.Rev)
	if err != nil || rv.IsZero() {
		return fmt.Errorf("%w: bad revision ID", syncproto.ErrBadRequest)
	}
	if len(r.Parents) > 64 {
		return fmt.Errorf("%w: too many parents", syncproto.ErrBadRequest)
	}
	var maxGen uint32
	for _, p := range r.Parents {
		pr, err := store.ParseRev(p)
		if err != nil || pr.IsZero() {
			return fmt.Errorf("%w: bad parent revision ID", syncproto.ErrBadRequest)
		}
		maxGen = max(maxGen, pr.Gen)
	}
	if rv.Gen != maxGen+1 {
		return fmt.Errorf("%w: revision generation does not follow its parents", syncproto.ErrBadRequest)
	}
	if len(r.Sealed) == 0 || len(r.Sealed) > store.MaxWireSize {
		return fmt.Errorf("%w: sealed revision of %d bytes", syncproto.ErrBadRequest, len(r.Sealed))
	}
	return nil
}

// checkName validates practice and device IDs (random hex from the store).
func checkName(kind, s string) error {
	if !store.ValidRecordID(s) {
		return fmt.Errorf("%w: bad %s", syncproto.ErrBadRequest, kind)
	}
	return nil
}

// checkToken validates a token's shape: base64url of 32 bytes.
func checkToken(tok string) error {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != 32 {
		return fmt.Errorf("%w: a device token is 32 random bytes in base64url", syncproto.ErrBadRequest)
	}
	return nil
}

// checkDevice checks a new device's ID and name as a request gives them.
func checkDevice(id, name string) error {
	if err := checkName("device", id); err != nil {
		return err
	}
	if len(name) > 200 {
		return fmt.Errorf("%w: device name too long", syncproto.ErrBadRequest)
	}
	return nil
}

// DecodeRegister parses and checks a register body.
func DecodeRegister(body []byte) (syncproto.RegisterRequest, error) {
	var req syncproto.RegisterRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return req, fmt.Errorf("%w: %v", syncproto.ErrBadRequest, err)
	}
	if err := checkName("practice", req.PracticeID); err != nil {
		return req, err
	}
	if err := checkDevice(req.DeviceID, req.DeviceName); err != nil {
		return req, err
	}
	if err := checkPublicKey(req.PublicKey); err != nil {
		return req, err
	}
	for _, k := range [][]byte{req.AdminKey, req.RecoveryKey} {
		if len(k) != 0 && !store.ValidPublicKey(k) {
			return req, fmt.Errorf("%w: a practice key is an Ed25519 public key of %d bytes", syncproto.ErrBadRequest, store.PublicKeySize)
		}
	}
	return req, checkToken(req.Token)
}

// DecodePracticeKeys parses and checks a practice keys body.
func DecodePracticeKeys(body []byte) (syncproto.PracticeKeysRequest, error) {
	var req syncproto.PracticeKeysRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return req, fmt.Errorf("%w: %v", syncproto.ErrBadRequest, err)
	}
	if len(req.PreviousSig) > 0 {
		// A change of the administration key, signed by the key it
		// replaces.
		if !store.ValidPublicKey(req.AdminKey) || req.ChangedAt <= 0 {
			return req, fmt.Errorf("%w: a change of the administration key names an Ed25519 public key of %d bytes and its time", syncproto.ErrBadRequest, store.PublicKeySize)
		}
		return req, nil
	}
	if !store.ValidPublicKey(req.AdminKey) || !store.ValidPublicKey(req.RecoveryKey) {
		return req, fmt.Errorf("%w: the practice's keys are Ed25519 public keys of %d bytes", syncproto.ErrBadRequest, store.PublicKeySize)
	}
	return req, nil
}

// checkPublicKey checks a device's signing key's shape (Ed25519).
func checkPublicKey(pub []byte) error {
	if !store.ValidPublicKey(pub) {
		return fmt.Errorf("%w: a device's signing key is an Ed25519 public key of %d bytes (update this workstation's Chartkeeper)", syncproto.ErrBadRequest, store.PublicKeySize)
	}
	return nil
}

// DecodeDeviceKey parses and checks a device key body.
func DecodeDeviceKey(body []byte) (syncproto.DeviceKeyRequest, error) {
	var req syncproto.DeviceKeyRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return req, fmt.Errorf("%w: %v", syncproto.ErrBadRequest, err)
	}
	return req, checkPublicKey(req.PublicKey)
}

// DecodePush parses and checks a push body.
func DecodePush(body []byte) (syncproto.PushRequest, error) {
	var req syncproto.PushRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return req, fmt.Errorf("%w: %v", syncproto.ErrBadRequest, err)
	}
	if len(req.Revs) > syncproto.MaxPushRevs {
		return req, fmt.Errorf("%w: more than %d revisions in one push", syncproto.ErrBadRequest, syncproto.MaxPushRevs)
	}
	for i := range req.Revs {
		req.Revs[i].Seq, req.Revs[i].Device = 0, ""
		if err := checkRev(&req.Revs[i]); err != nil {
			return req, fmt.Errorf("revision %d: %w", i, err)
		}
	}
	return req, nil
}

// ChangesQuery is a parsed GET /v1/changes query.
type ChangesQuery struct {
	Since uint64
	Limit int
	Wait  time.Duration
	// All asks for the device's own pushes too (a first sync).
	All bool
}

// ParseChangesQuery parses and checks the query of GET /v1/changes.
func ParseChangesQuery(q url.Values) (ChangesQuery, error) {
	cq := ChangesQuery{Limit: 500}
	var err error
	if v := q.Get("since"); v != "" {
		if cq.Since, err = strconv.ParseUint(v, 10, 64); err != nil {
			return cq, fmt.Errorf("%w: since", syncproto.ErrBadRequest)
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return cq, fmt.Errorf("%w: limit", syncproto.ErrBadRequest)
		}
		cq.Limit = min(n, syncproto.MaxPullLimit)
	}
	if v := q.Get("wait"); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n < 0 || n != n {
			return cq, fmt.Errorf("%w: wait", syncproto.ErrBadRequest)
		}
		// capped in seconds first: a huge number would overflow Duration
		cq.Wait = time.Duration(min(n, syncproto.MaxLongPoll.Seconds()) * float64(time.Second))
	}
	cq.All = q.Get("all") == "1"
	return cq, nil
}

// DecodeRevoke parses and checks a revoke body.
func DecodeRevoke(body []byte) (syncproto.RevokeRequest, error) {
	var req syncproto.RevokeRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return req, fmt.Errorf("%w: %v", syncproto.ErrBadRequest, err)
	}
	return req, checkName("device", req.DeviceID)
}

// DecodeEnroll parses and checks an enroll body.
func DecodeEnroll(body []byte) (syncproto.EnrollRequest, error) {
	var req syncproto.EnrollRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return req, fmt.Errorf("%w: %v", syncproto.ErrBadRequest, err)
	}
	if len(req.TokenHash) != sha256.Size {
		return req, fmt.Errorf("%w: an enrollment token hash is a SHA-256", syncproto.ErrBadRequest)
	}
	if len(req.Sealed) == 0 || len(req.Sealed) > maxEnrollSealed {
		return req, fmt.Errorf("%w: sealed enrollment of %d bytes", syncproto.ErrBadRequest, len(req.Sealed))
	}
	ttl := time.Duration(req.TTLSeconds) * time.Second
	if req.TTLSeconds <= 0 || req.TTLSeconds > int64(syncproto.MaxEnrollTTL/time.Second) || ttl < syncproto.MinEnrollTTL {
		return req, fmt.Errorf("%w: an enrollment code lives between %s and %s", syncproto.ErrBadRequest, syncproto.MinEnrollTTL, syncproto.MaxEnrollTTL)
	}
	return req, nil
}

// DecodeRedeem parses and checks a redeem body.
func DecodeRedeem(body []byte) (syncproto.RedeemRequest, error) {
	var req syncproto.RedeemRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return req, fmt.Errorf("%w: %v", syncproto.ErrBadRequest, err)
	}
	if err := checkName("practice", req.PracticeID); err != nil {
		return req, err
	}
	if err := checkDevice(req.DeviceID, req.DeviceName); err != nil {
		return req, err
	}
	if err := checkToken(req.Token); err != nil {
		return req, err
	}
	if err := checkPublicKey(req.PublicKey); err != nil {
		return req, err
	}
	return req, checkToken(req.DeviceToken)
}
