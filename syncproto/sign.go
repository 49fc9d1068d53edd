package syncproto

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"

	"chartkeeper/store"
)

// Signed requests (see "Device keys and signed requests" in docs/SYNC.md).
//
// Every request that carries a device credential also carries the device's
// Ed25519 signature, in the header X-Chartkeeper-Signature (base64url, no
// padding), made with the key whose public half the device gave the server
// when it registered the practice or redeemed its enrollment code. The
// signature is store's domain-separated one (domain | 0x00 | message) with
// the domain [RequestDomain], over the message
//
//	uvarint length | method            ("POST")
//	uvarint length | request URI       (path and query as sent: "/v1/changes?since=3&limit=500")
//	uvarint length | practice ID       (as in X-Chartkeeper-Practice)
//	uvarint length | device ID         (as in X-Chartkeeper-Device)
//	SHA-256 of the body                (32 bytes; of nothing for a request without one)
//
// So a signature covers exactly one request's content — the revisions of a
// push, the entries of an audit push, one document chunk or header, a
// revocation — and is worth nothing for another request, another path,
// practice or device. The bearer token alone opens no request.

// HeaderSignature names the header that carries a request's signature.
const HeaderSignature = "X-Chartkeeper-Signature"

// RequestDomain separates device request signatures from every other use
// of a signing key.
const RequestDomain = "chartkeeper device request v1"

// RequestMessage is the message a device signs for a request.
func RequestMessage(method, requestURI, practiceID, deviceID string, body []byte) []byte {
	var b []byte
	for _, s := range []string{method, requestURI, practiceID, deviceID} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	h := sha256.Sum256(body)
	return append(b, h[:]...)
}

// SignRequest signs a request with the device's credentials and returns
// the value of [HeaderSignature].
func SignRequest(c *store.DeviceCredentials, method, requestURI, practiceID, deviceID string, body []byte) (string, error) {
	sig, err := c.Sign(RequestDomain, RequestMessage(method, requestURI, practiceID, deviceID, body))
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(sig), nil
}

// VerifyRequest checks the value of [HeaderSignature] against the device's
// public key: ErrUnsigned when there is none, ErrBadSignature when it is
// not the key's signature over this request.
func VerifyRequest(pub []byte, header, method, requestURI, practiceID, deviceID string, body []byte) error {
	if header == "" {
		return ErrUnsigned
	}
	sig, err := base64.RawURLEncoding.DecodeString(header)
	if err != nil || !store.VerifySignature(pub, RequestDomain, RequestMessage(method, requestURI, practiceID, deviceID, body), sig) {
		return ErrBadSignature
	}
	return nil
}

// Refusals of requests that are not signed as the device's key requires.
var (
	ErrUnsigned     = errors.New("this request does not carry the device's signature; a device token alone is not enough (update this workstation's Chartkeeper)")
	ErrBadSignature = errors.New("the device's signature on this request does not match the key the server holds for it; if this workstation's credential was taken, ask a health information manager to revoke it and enroll it again")
	// ErrNoDeviceKey: the device was enrolled before devices had keys; it
	// may register one, once, with POST /v1/devices/key.
	ErrNoDeviceKey = errors.New("the server holds no signing key for this device yet")
	// ErrDeviceKeyExists refuses a second, different key for a device.
	ErrDeviceKeyExists = errors.New("the server already holds another signing key for this device; if this workstation did not register it, its credential was taken: revoke the device and enroll this workstation again")
)

// DeviceKeyRequest is the body of POST /v1/devices/key: a device enrolled
// before devices had keys registers its public key, once. The request is
// signed with that key (which proves the device holds it) and carries the
// device's token as usual.
type DeviceKeyRequest struct {
	PublicKey []byte `json:"public_key"`
}
