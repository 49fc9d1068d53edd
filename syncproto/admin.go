package syncproto

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"time"

	"chartkeeper/store"
)

// Administration statements (see "Administration signatures" in
// docs/SYNC.md).
//
// The server sees devices, not roles. So that only a health information
// manager can revoke another device or leave an enrollment code, those
// requests carry, besides the device's credential and signature, a
// signature by the practice's administration key (store.Store.SignAdmin,
// which only an HIM manager's session holds), whose public half the
// server keeps with the practice. The practice's recovery key (its
// emergency kit) has a signing key too (store.Store.RecoverySigningKey),
// whose public half the server also keeps: with it an HIM manager
// re-establishes the administration key at the server after a disaster.
//
// Each statement is signed over its content with a purpose of its own,
// bound to the practice, to the device that sends it and to a time the
// server checks (IssuedAt, Unix seconds, within [AdminWindow] of the
// server's clock; the workstation takes the time from GET /v1/health), so
// a captured statement cannot be used for another device, another
// practice, by another device, or later than the window. Every message is
// a sequence of uvarint-length-prefixed fields:
//
//	revocation:  "revoke" | practice | sending device | revoked device | issued at
//	enrollment:  "enroll" | practice | sending device | token hash | SHA-256(sealed) | TTL seconds | issued at
//	keys:        "keys"   | practice | sending device | administration key | recovery key | issued at
//
// (a time is its 8-byte big-endian Unix seconds). A revocation and an
// enrollment are signed by the administration key (purposes
// [PurposeRevoke], [PurposeEnroll]); a keys statement by the
// administration key it names ([PurposeKeys], proof that the sender holds
// it) and by the recovery key ([RecoveryDomain]).

// Purposes of administration signatures (store.SignAdmin).
const (
	PurposeRevoke = "sync device revocation"
	PurposeEnroll = "sync enrollment"
	PurposeKeys   = "sync practice keys"
)

// RecoveryDomain separates the recovery key's signatures (store's
// domain-separated SigningKey) from every other use.
const RecoveryDomain = "chartkeeper recovery statement v1"

// AdminWindow is how far a statement's IssuedAt may be from the server's
// clock, either way.
const AdminWindow = 10 * time.Minute

func statement(kind string, fields ...[]byte) []byte {
	b := binary.AppendUvarint(nil, uint64(len(kind)))
	b = append(b, kind...)
	for _, f := range fields {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

func unixBytes(t int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(t)) }

// RevokeMessage is what the administration key signs to revoke deviceID.
func RevokeMessage(practiceID, sender, deviceID string, issuedAt int64) []byte {
	return statement("revoke", []byte(practiceID), []byte(sender), []byte(deviceID), unixBytes(issuedAt))
}

// EnrollMessage is what the administration key signs to leave an
// enrollment.
func EnrollMessage(practiceID, sender string, req EnrollRequest) []byte {
	h := sha256.Sum256(req.Sealed)
	return statement("enroll", []byte(practiceID), []byte(sender), req.TokenHash, h[:], unixBytes(req.TTLSeconds), unixBytes(req.IssuedAt))
}

// KeysMessage is what the administration and recovery keys sign to set
// the practice's keys at the server.
func KeysMessage(practiceID, sender string, req PracticeKeysRequest) []byte {
	return statement("keys", []byte(practiceID), []byte(sender), req.AdminKey, req.RecoveryKey, unixBytes(req.IssuedAt))
}

// VerifyAdmin checks an administration signature against the practice's
// administration key pub (ErrNoAdminKey when the server holds none).
func VerifyAdmin(pub []byte, purpose string, msg, sig []byte) error {
	switch {
	case len(pub) == 0:
		return ErrNoAdminKey
	case len(sig) == 0:
		return ErrAdminUnsigned
	case !store.VerifyAdmin(pub, purpose, msg, sig):
		return ErrAdminBadSignature
	}
	return nil
}

// VerifyRecovery checks a recovery key's signature.
func VerifyRecovery(pub, msg, sig []byte) bool {
	return store.VerifySignature(pub, RecoveryDomain, msg, sig)
}

// CheckIssuedAt checks a statement's time against the server's clock.
func CheckIssuedAt(issuedAt int64, now time.Time) error {
	d := now.Sub(time.Unix(issuedAt, 0))
	if issuedAt == 0 || d > AdminWindow || d < -AdminWindow {
		return ErrAdminStale
	}
	return nil
}

// PracticeKeysRequest is the body of POST /v1/practice/keys: the
// practice's administration key and recovery key, each with its
// signature over [KeysMessage]. The server takes them
//
//   - when it holds a recovery key: only if RecoveryKey is that key (the
//     recovery key re-establishes the administration key);
//   - when it holds an administration key but no recovery key: only if
//     AdminKey is that key (the administration key adds the recovery key);
//   - when it holds neither (a practice registered before administration
//     keys): from the first enrolled device that sends them (trust on first
//     use; see docs/SECURITY.md);
//   - as a change of the administration key (PreviousSig set): only if the
//     administration key it holds signed AdminKey, for
//     store.AdminKeyPurpose over store.AdminKeyMessage(practice,
//     AdminKey, ChangedAt). Any enrolled device of the practice may
//     forward such a change (the workstation that made it keeps it
//     pending until the server has it); RecoveryKey, IssuedAt and the
//     other signatures are not used, and the server keeps its recovery
//     key.
type PracticeKeysRequest struct {
	AdminKey    []byte `json:"admin_key"`
	RecoveryKey []byte `json:"recovery_key,omitempty"`
	IssuedAt    int64  `json:"issued_at,omitempty"`
	AdminSig    []byte `json:"admin_sig,omitempty"`
	RecoverySig []byte `json:"recovery_sig,omitempty"`
	// ChangedAt (Unix seconds) and PreviousSig: a change of the
	// administration key signed by the key it replaces.
	ChangedAt   int64  `json:"changed_at,omitempty"`
	PreviousSig []byte `json:"previous_sig,omitempty"`
}

// PracticeKeysInfo is the answer of GET /v1/practice/keys: the public keys
// the server holds for the practice (empty when none).
type PracticeKeysInfo struct {
	AdminKey    []byte `json:"admin_key,omitempty"`
	RecoveryKey []byte `json:"recovery_key,omitempty"`
}

// Refusals of administration statements (403 unless said otherwise).
var (
	ErrAdminUnsigned     = errors.New("only a health information manager can do this: the request does not carry the practice's administration signature")
	ErrAdminBadSignature = errors.New("the administration signature on this request does not match the practice's administration key that the server holds; if the practice's key was replaced, a health information manager re-establishes it with the practice's recovery key (ckadmin sync set-admin-key)")
	ErrAdminStale        = errors.New("this administration request is dated too far from the server's time; check this workstation's clock and try again")
	ErrNoAdminKey        = errors.New("the server holds no administration key for this practice yet; a health information manager sets it with the practice's recovery key (ckadmin sync set-admin-key)")
	ErrRecoveryMismatch  = errors.New("this request is not signed with the recovery key that the server holds for this practice")
	ErrAdminKeyMismatch  = errors.New("the server holds another administration key for this practice and no recovery key; only the administration key it holds can add a recovery key")
	// ErrPracticeKeysChanged (409): the keys changed between reading and
	// writing them; the request may be sent again.
	ErrPracticeKeysChanged = errors.New("the practice's keys on the server changed meanwhile; try again")
)
