package syncclient

import (
	"bytes"
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"chartkeeper/store"
	"chartkeeper/syncproto"
)

// An enrollment code is everything a new workstation needs to join a
// practice, in one line an HIM manager hands over in person (or reads out,
// or sends by a channel they trust):
//
//	ck1.<base64url of: version 1 | seed (32) | practice ID (16) |
//	     fingerprint length (0 or 32) | fingerprint | server URL | check (4)>
//
// The seed gives, by HKDF, two independent values: the one-time token the
// server checks (it holds only its SHA-256) and the key that seals the
// practice secret and the data key the server keeps for the code. The
// server never sees the code, so it can neither open the sealed secrets nor
// redeem the code itself; whoever holds the code can join, once, until it
// expires, which is why it is shown once and lives a day by default. The
// check bytes (SHA-256 of the rest) catch a mistyped or cut-off code before
// anything is sent.

const (
	enrollCodePrefix  = "ck1."
	enrollCodeVersion = 1
	enrollSeedSize    = 32
)

// ErrBadCode means the text is not an enrollment code.
var ErrBadCode = errors.New("this is not a complete enrollment code (mistyped or cut off?); codes start with \"ck1.\"")

// EnrollCode is a parsed enrollment code.
type EnrollCode struct {
	Server      string // https://host:port
	Fingerprint string // pinned certificate, "" for a CA-signed one
	PracticeID  string
	Seed        []byte
}

// String is the code as shown to people.
func (c EnrollCode) String() string {
	pid, _ := hex.DecodeString(c.PracticeID)
	fp, _ := hex.DecodeString(c.Fingerprint)
	b := []byte{enrollCodeVersion}
	b = append(b, c.Seed...)
	b = append(b, pid...)
	b = append(b, byte(len(fp)))
	b = append(b, fp...)
	b = append(b, c.Server...)
	sum := sha256.Sum256(b)
	b = append(b, sum[:4]...)
	return enrollCodePrefix + base64.RawURLEncoding.EncodeToString(b)
}

// ParseEnrollCode reads a code, ignoring white space (a code pasted across
// lines).
func ParseEnrollCode(s string) (EnrollCode, error) {
	var c EnrollCode
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	rest, ok := strings.CutPrefix(s, enrollCodePrefix)
	if !ok {
		return c, ErrBadCode
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(b) < 1+enrollSeedSize+16+1+4 {
		return c, ErrBadCode
	}
	body, check := b[:len(b)-4], b[len(b)-4:]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:4], check) {
		return c, ErrBadCode
	}
	if body[0] != enrollCodeVersion {
		return c, fmt.Errorf("this enrollment code was made by a newer Chartkeeper (version %d); update this workstation", body[0])
	}
	body = body[1:]
	c.Seed, body = bytes.Clone(body[:enrollSeedSize]), body[enrollSeedSize:]
	c.PracticeID, body = hex.EncodeToString(body[:16]), body[16:]
	n := int(body[0])
	body = body[1:]
	if n != 0 && n != sha256.Size || len(body) < n {
		return c, ErrBadCode
	}
	c.Fingerprint, body = hex.EncodeToString(body[:n]), body[n:]
	if c.Server, err = normalizeServer(string(body)); err != nil {
		return c, ErrBadCode
	}
	return c, nil
}

func (c EnrollCode) derive(info string) []byte {
	k, err := hkdf.Key(sha256.New, c.Seed, []byte(c.PracticeID), info, 32)
	if err != nil {
		panic(err) // cannot happen: 32 bytes of SHA-256 HKDF
	}
	return k
}

// token is the one-time token the server checks.
func (c EnrollCode) token() string {
	return base64.RawURLEncoding.EncodeToString(c.derive("chartkeeper enrollment token v1"))
}

// key seals the practice secret and data key for this code.
func (c EnrollCode) key() []byte { return c.derive("chartkeeper enrollment key v1") }

// IssueEnrollment makes a one-time enrollment code for a new workstation of
// st's practice, valid for ttl, and leaves its sealed secrets on the server
// of cfg. Only an HIM manager may: store.SealEnrollment checks and audits,
// and the server takes the enrollment only with the practice's
// administration signature (store.Store.SignAdmin).
// It returns the code and when it expires by the server's clock.
func IssueEnrollment(ctx context.Context, st *store.Store, cfg Config, ttl time.Duration) (string, time.Time, error) {
	if ttl < syncproto.MinEnrollTTL || ttl > syncproto.MaxEnrollTTL {
		return "", time.Time{}, fmt.Errorf("an enrollment code lives between %s and %s", syncproto.MinEnrollTTL, syncproto.MaxEnrollTTL)
	}
	if cfg.PracticeID != st.PracticeID() {
		return "", time.Time{}, errors.New("the sync settings belong to another practice")
	}
	if b, err := hex.DecodeString(cfg.PracticeID); err != nil || len(b) != 16 {
		return "", time.Time{}, fmt.Errorf("practice ID %q cannot go into an enrollment code", cfg.PracticeID)
	}
	code := EnrollCode{Server: cfg.Server, Fingerprint: cfg.Fingerprint, PracticeID: cfg.PracticeID, Seed: make([]byte, enrollSeedSize)}
	rand.Read(code.Seed)
	if code.Fingerprint != "" {
		fp, err := syncproto.NormalizeFingerprint(code.Fingerprint)
		if err != nil {
			return "", time.Time{}, err
		}
		code.Fingerprint = fp
	}
	cfg, err := withCredentials(st, cfg)
	if err != nil {
		return "", time.Time{}, err
	}
	key := code.key()
	defer clear(key)
	sealed, err := st.SealEnrollment(key, store.EnrollDetail(ttl))
	if err != nil {
		return "", time.Time{}, err
	}
	h, err := newHTTP(cfg)
	if err != nil {
		return "", time.Time{}, err
	}
	defer h.close()
	var er syncproto.EnrollResponse
	req := syncproto.EnrollRequest{TokenHash: syncproto.HashToken(code.token()), Sealed: sealed, TTLSeconds: int64(ttl / time.Second)}
	// The server checks the signature against the newest administration
	// key only once it has it.
	if err := sendAdminKeys(ctx, h, st); err != nil {
		return "", time.Time{}, err
	}
	if req.IssuedAt, err = serverTime(ctx, h); err != nil {
		return "", time.Time{}, err
	}
	if req.AdminSig, err = st.SignAdmin(syncproto.PurposeEnroll, syncproto.EnrollMessage(cfg.PracticeID, cfg.DeviceID, req)); err != nil {
		return "", time.Time{}, err
	}
	if err := h.call(ctx, "POST", "/v1/enroll", req, &er); err != nil {
		return "", time.Time{}, err
	}
	return code.String(), er.Expires, nil
}

// JoinOptions are the optional parts of [Join].
type JoinOptions struct {
	DeviceName string
	// StoreOptions are passed to store.Join (tests set the clock).
	StoreOptions []store.Option
}

// Join makes dir a new workstation of the practice named by an enrollment
// code: it redeems the code with the server (pinned to the code's
// fingerprint) for a device credential of its own and the sealed secrets,
// opens them with the code's key into a new store, saves the sync settings
// and pulls everything the server holds, users' keyslots included. It
// returns the store, still unlocked by the enrollment (close it; the
// practice's users then sign in with their own passwords).
//
// Once the server has accepted the code it is used up: if a later step
// fails, dir is emptied again, the new device is revoked if the server can
// be reached, and a new code is needed.
func Join(ctx context.Context, codeText, dir string, opts JoinOptions) (*store.Store, Config, Result, error) {
	var res Result
	code, err := ParseEnrollCode(codeText)
	if err != nil {
		return nil, Config{}, res, err
	}
	if store.Exists(dir) {
		return nil, Config{}, res, fmt.Errorf("%s: %w; join into a new folder", dir, store.ErrPracticeExists)
	}
	cfg := Config{Server: code.Server, Fingerprint: code.Fingerprint, PracticeID: code.PracticeID, DeviceID: store.NewID()}
	token := syncproto.NewToken()
	cred := store.NewDeviceCredentials(token)
	h, err := newHTTP(cfg) // redeem carries no device credential
	if err != nil {
		return nil, Config{}, res, err
	}
	defer h.close()
	var rr syncproto.RedeemResponse
	req := syncproto.RedeemRequest{PracticeID: cfg.PracticeID, Token: code.token(), DeviceID: cfg.DeviceID,
		DeviceName: opts.DeviceName, DeviceToken: token, PublicKey: cred.PublicKey()}
	if err := h.call(ctx, "POST", "/v1/enroll/redeem", req, &rr); err != nil {
		return nil, Config{}, res, err
	}
	cfg.ServerID, cfg.cred = rr.ServerID, cred
	key := code.key()
	defer clear(key)
	// The token and key are sealed in the store as it is made.
	st, err := store.Join(dir, store.JoinInfo{PracticeID: cfg.PracticeID, DeviceID: cfg.DeviceID, Key: key, Sealed: rr.Sealed, Credentials: cred}, opts.StoreOptions...)
	if err != nil {
		undoJoin(ctx, nil, dir, cfg)
		return nil, Config{}, res, fmt.Errorf("%w; the code is used up, ask for a new one", err)
	}
	cfg.src = st
	if err := SaveConfig(dir, cfg); err != nil {
		undoJoin(ctx, st, dir, cfg)
		return nil, Config{}, res, err
	}
	c, err := NewClient(st, cfg)
	if err == nil {
		res, err = c.RunOnce(ctx)
		c.Close()
	}
	if err != nil {
		undoJoin(ctx, st, dir, cfg)
		return nil, Config{}, res, fmt.Errorf("the first sync failed: %w; the code is used up, ask for a new one", err)
	}
	return st, cfg, res, nil
}

// undoJoin takes back a join that failed after the code was redeemed.
func undoJoin(ctx context.Context, st *store.Store, dir string, cfg Config) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	// Best effort, before the store closes (which wipes the key): the
	// credential is about to be gone.
	_ = RevokeDevice(rctx, cfg, cfg.DeviceID)
	if st != nil {
		st.Close()
	}
	for _, f := range []string{store.FilePath(dir), store.DeviceFilePath(dir), filepath.Join(dir, ConfigFileName)} {
		os.Remove(f)
	}
	os.Remove(dir) // only if empty
}
