package syncclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"chartkeeper/store"
	"chartkeeper/syncproto"
)

// Administration statements (syncproto's admin.go): revoking another
// device and leaving an enrollment code carry the practice's
// administration signature, which only an HIM manager's session can make
// (store.Store.SignAdmin refuses others with store.ErrPermission), dated
// by the server's clock.

// errNoStore: an administration statement needs the settings loaded with
// the store whose session signs it.
var errNoStore = errors.New("this needs a health information manager signed in on this workstation")

// serverTime is the server's clock as GET /v1/health gives it (this
// workstation's when the server does not say).
func serverTime(ctx context.Context, c *httpClient) (int64, error) {
	var h syncproto.Health
	if err := c.call(ctx, "GET", "/v1/health", nil, &h); err != nil {
		return 0, err
	}
	if h.Time.IsZero() {
		return time.Now().Unix(), nil
	}
	return h.Time.Unix(), nil
}

// RevokeDevice revokes a device of the practice: the server refuses it
// from then on. cfg must carry the device's credentials ([Load]). To
// revoke another device than this one the request carries the practice's
// administration signature, made with the session of the store cfg was
// loaded with: an HIM manager's (store.ErrPermission otherwise). A device
// may revoke itself without it.
func RevokeDevice(ctx context.Context, cfg Config, deviceID string) error {
	c, err := newAuthedHTTP(cfg)
	if err != nil {
		return err
	}
	defer c.close()
	req := syncproto.RevokeRequest{DeviceID: deviceID}
	if deviceID != cfg.DeviceID {
		if cfg.src == nil {
			return errNoStore
		}
		// Refused before anything is sent when the session cannot sign.
		if _, err := cfg.src.SignAdmin(syncproto.PurposeRevoke, nil); err != nil {
			return err
		}
		// The server checks the signature against the newest
		// administration key only once it has it.
		if err := sendAdminKeys(ctx, c, cfg.src); err != nil {
			return err
		}
		if req.IssuedAt, err = serverTime(ctx, c); err != nil {
			return err
		}
		if req.AdminSig, err = cfg.src.SignAdmin(syncproto.PurposeRevoke, syncproto.RevokeMessage(cfg.PracticeID, cfg.DeviceID, deviceID, req.IssuedAt)); err != nil {
			return err
		}
	}
	return c.call(ctx, "POST", "/v1/devices/revoke", req, nil)
}

// PracticeKeys returns the public keys the server holds for the practice
// (empty ones when it holds none).
func PracticeKeys(ctx context.Context, cfg Config) (syncproto.PracticeKeysInfo, error) {
	var out syncproto.PracticeKeysInfo
	c, err := newAuthedHTTP(cfg)
	if err != nil {
		return out, err
	}
	defer c.close()
	return out, c.call(ctx, "GET", "/v1/practice/keys", nil, &out)
}

// SetPracticeKeys gives the server st's administration public key and the
// recovery signing key derived from recoveryKey, signed by both. The
// server takes them when it holds this recovery key (the recovery key
// re-establishes the administration key after a disaster), when it holds
// this administration key and no recovery key (the recovery key is added),
// or when it holds neither (a practice registered before administration
// keys: the first pair an enrolled device sends is kept). st must be
// signed in as an HIM manager (store.ErrPermission otherwise) and cfg
// carry this device's credentials ([Load]).
func SetPracticeKeys(ctx context.Context, st *store.Store, cfg Config, recoveryKey string) error {
	if cfg.PracticeID != st.PracticeID() {
		return errors.New("the sync settings belong to another practice")
	}
	adminPub := st.AdminPublicKey()
	if adminPub == nil {
		return fmt.Errorf("%w: the practice has no administration key yet (a health information manager signs in once to move it to the key hierarchy)", store.ErrPermission)
	}
	if _, err := st.SignAdmin(syncproto.PurposeKeys, nil); err != nil {
		return err
	}
	rk, err := st.RecoverySigningKey(recoveryKey)
	if err != nil {
		return err
	}
	defer rk.Wipe()
	cfg, err = withCredentials(st, cfg)
	if err != nil {
		return err
	}
	c, err := newHTTP(cfg)
	if err != nil {
		return err
	}
	defer c.close()
	req := syncproto.PracticeKeysRequest{AdminKey: adminPub, RecoveryKey: rk.PublicKey()}
	if req.IssuedAt, err = serverTime(ctx, c); err != nil {
		return err
	}
	msg := syncproto.KeysMessage(cfg.PracticeID, cfg.DeviceID, req)
	if req.AdminSig, err = st.SignAdmin(syncproto.PurposeKeys, msg); err != nil {
		return err
	}
	if req.RecoverySig, err = rk.Sign(syncproto.RecoveryDomain, msg); err != nil {
		return err
	}
	return c.call(ctx, "POST", "/v1/practice/keys", req, nil)
}

// pushAdminKeys gives the server the changes of the administration key
// this workstation made (an HIM manager removed, a device revoked), each
// signed by the key it replaced, in order, and drops each the server
// took. A change the server refuses (it holds another key: the practice
// re-established its key with the recovery key meanwhile) stays pending
// and does not stop the sync; until the server has the new key, it
// refuses revocations and enrollment codes signed by it.
func (c *Client) pushAdminKeys(ctx context.Context) error {
	return sendAdminKeys(ctx, c.h, c.st)
}

// SendAdminKeyChanges gives the server, now, the changes of the
// administration key st made that it does not have yet (a sync does it
// too, before anything else); cfg must carry the device's credentials
// ([Load]). Nothing is sent when none is pending.
func SendAdminKeyChanges(ctx context.Context, st *store.Store, cfg Config) error {
	if len(st.PendingAdminKeys()) == 0 {
		return nil
	}
	c, err := newAuthedHTTP(cfg)
	if err != nil {
		return err
	}
	defer c.close()
	return sendAdminKeys(ctx, c, st)
}

func sendAdminKeys(ctx context.Context, h *httpClient, st *store.Store) error {
	for _, ch := range st.PendingAdminKeys() {
		req := syncproto.PracticeKeysRequest{AdminKey: ch.NewKey, ChangedAt: ch.At.Unix(), PreviousSig: ch.Sig}
		var info syncproto.PracticeKeysInfo
		err := h.call(ctx, "POST", "/v1/practice/keys", req, &info)
		var se *ServerError
		if errors.As(err, &se) && se.Status == http.StatusForbidden {
			return nil
		}
		if err != nil {
			return err
		}
		if err := st.AdminKeyAcknowledged(ch.NewKey); err != nil {
			return err
		}
	}
	return nil
}
