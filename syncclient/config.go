package syncclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"chartkeeper/internal/atomicfile"
	"chartkeeper/store"
	"chartkeeper/syncproto"
)

// ConfigFileName is the sync settings file in a workstation's data folder.
// Like device.json it is mode 0600 and never in backups: a restored copy is
// a new device that must be enrolled on its own. It holds no credential:
// the device's token and signing key are sealed in the store
// (store.DeviceCredentials), so using them needs a signed-in user.
const ConfigFileName = "sync.json"

// Config is how a workstation reaches its server, with the device's
// credentials once they are opened from the store ([Load], [NewClient]).
type Config struct {
	Server      string `json:"server"`                // https://host:port
	Fingerprint string `json:"fingerprint,omitempty"` // pinned certificate; "" for a CA-signed one
	ServerID    string `json:"server_id"`
	PracticeID  string `json:"practice"`
	DeviceID    string `json:"device"`
	// Token is the device token as programs before signed requests kept
	// it, in clear in sync.json. [Load] moves it into the store and
	// rewrites the file without it; nothing writes it any more.
	Token string `json:"token,omitempty"`

	// The device's credentials: those of src's current session when the
	// settings were loaded with a store, else cred (a workstation that is
	// joining, before it has a store).
	src  *store.Store
	cred *store.DeviceCredentials
}

// Credentials are the device's credentials: those of the signed-in
// session of the store the settings were loaded with ([Load],
// [NewClient]), so a lock stops them and the next sign-in brings them
// back. ErrNoCredentials for settings read without a store.
func (c Config) Credentials() (*store.DeviceCredentials, error) {
	if c.src != nil {
		return c.src.DeviceCredentials()
	}
	if c.cred == nil {
		return nil, ErrNoCredentials
	}
	return c.cred, nil
}

// ErrNoCredentials means the settings carry no device credentials: they
// were read without the store ([LoadConfig]) rather than with [Load].
var ErrNoCredentials = errors.New("this workstation's sync credential is sealed in its store: sign in first")

// ErrCredentialsMissing means a connected workstation's store holds no
// sync credential and its settings hold no token from an older program.
var ErrCredentialsMissing = errors.New("this workstation's sync credential is missing; enroll it again with a new code")

// ErrNotConnected means the workstation has no sync settings yet.
var ErrNotConnected = errors.New("this workstation is not connected to a sync server yet")

// LoadConfig reads the sync settings of the data folder dir.
func LoadConfig(dir string) (Config, error) {
	var c Config
	b, err := os.ReadFile(filepath.Join(dir, ConfigFileName))
	if errors.Is(err, os.ErrNotExist) {
		return c, ErrNotConnected
	}
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil || c.Server == "" || c.PracticeID == "" || c.DeviceID == "" {
		return c, fmt.Errorf("%s is damaged; connect this workstation again", filepath.Join(dir, ConfigFileName))
	}
	return c, nil
}

// SaveConfig writes the sync settings atomically, mode 0600, without any
// credential.
func SaveConfig(dir string, c Config) error {
	c.Token = ""
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, ConfigFileName), b, 0o600)
}

// RegisterOptions are the optional parts of [Register].
type RegisterOptions struct {
	DeviceName         string
	RegistrationSecret string
	// RecoveryKey is the practice's recovery key (its emergency kit's):
	// with it the server also learns the practice's recovery signing key,
	// with which an HIM manager can re-establish the administration key
	// there after a disaster ([SetPracticeKeys]). Without it, the
	// recovery public key the workstation kept when the practice was made
	// on it is given ([store.Store.RecoveryPublicKey]); a workstation that
	// joined the practice holds none, and the server then holds the
	// administration key only until SetPracticeKeys adds it.
	RecoveryKey string
}

func normalizeServer(u string) (string, error) {
	u = strings.TrimRight(strings.TrimSpace(u), "/")
	if !strings.HasPrefix(u, "https://") {
		return "", fmt.Errorf("the server address must start with https:// (got %q)", u)
	}
	return u, nil
}

// Load reads the sync settings of st's data folder with this device's
// credentials, opened from st (which must be signed in). The first time
// after an update from a program that kept the token in sync.json, it
// moves the token into the store with a new signing key and rewrites
// sync.json without it; the server learns the key with the first request
// (see "Device keys" in docs/SYNC.md).
func Load(st *store.Store) (Config, error) {
	cfg, err := LoadConfig(st.Dir())
	if err != nil {
		return cfg, err
	}
	return withCredentials(st, cfg)
}

// withCredentials opens the device's credentials from st into cfg (those
// of st's current session, whatever cfg carried), moving a token cfg still
// holds from sync.json into the store.
func withCredentials(st *store.Store, cfg Config) (Config, error) {
	c, err := st.DeviceCredentials()
	switch {
	case errors.Is(err, store.ErrNoDeviceCredentials) && cfg.Token != "":
		c = store.NewDeviceCredentials(cfg.Token)
		if err := st.SetDeviceCredentials(c); err != nil {
			return cfg, err
		}
	case errors.Is(err, store.ErrNoDeviceCredentials):
		return cfg, ErrCredentialsMissing
	case err != nil:
		return cfg, err
	}
	if cfg.Token != "" {
		// The store holds the credential now: the clear copy goes.
		if err := SaveConfig(st.Dir(), cfg); err != nil {
			return cfg, err
		}
		cfg.Token = ""
	}
	cfg.src, cfg.cred = st, c
	return cfg, nil
}

// Register connects the practice of st to a server for the first time: the
// practice is registered there with this workstation as its first device
// and with the practice's administration public key (and, given the
// recovery key, its recovery public key), its new token and signing key
// are sealed in st (which must be signed in), and the settings are saved
// in the data folder.
func Register(ctx context.Context, st *store.Store, server, fingerprint string, opts RegisterOptions) (Config, error) {
	server, err := normalizeServer(server)
	if err != nil {
		return Config{}, err
	}
	if st.DeviceID() == "" {
		return Config{}, store.ErrNoPracticeSecret
	}
	if _, err := LoadConfig(st.Dir()); err == nil {
		return Config{}, errors.New("this workstation is already connected to a sync server")
	}
	cfg := Config{Server: server, Fingerprint: fingerprint, PracticeID: st.PracticeID(), DeviceID: st.DeviceID()}
	recoveryPub := st.RecoveryPublicKey() // kept when the practice was made
	if opts.RecoveryKey != "" {
		k, err := st.RecoverySigningKey(opts.RecoveryKey)
		if err != nil {
			return Config{}, err
		}
		recoveryPub = k.PublicKey()
		k.Wipe()
	}
	token := syncproto.NewToken()
	cred := store.NewDeviceCredentials(token)
	// Sealed first: a practice registered with a key this workstation
	// then failed to keep could never sync again.
	if err := st.SetDeviceCredentials(cred); err != nil {
		return Config{}, err
	}
	c, err := newHTTP(Config{Server: cfg.Server, Fingerprint: cfg.Fingerprint}) // register carries no device credential
	if err != nil {
		return Config{}, err
	}
	defer c.close()
	req := syncproto.RegisterRequest{PracticeID: cfg.PracticeID, DeviceID: cfg.DeviceID, DeviceName: opts.DeviceName,
		Token: token, PublicKey: cred.PublicKey(), RegistrationSecret: opts.RegistrationSecret,
		AdminKey: st.AdminPublicKey(), RecoveryKey: recoveryPub}
	var h syncproto.Health
	if err := c.call(ctx, "POST", "/v1/register", req, &h); err != nil {
		return Config{}, err
	}
	cfg.ServerID = h.ServerID
	if err := SaveConfig(st.Dir(), cfg); err != nil {
		return Config{}, err
	}
	cfg.src, cfg.cred = st, cred
	return cfg, nil
}

// Devices lists the practice's devices as the server knows them. cfg must
// carry the device's credentials ([Load]).
func Devices(ctx context.Context, cfg Config) ([]syncproto.DeviceInfo, error) {
	c, err := newAuthedHTTP(cfg)
	if err != nil {
		return nil, err
	}
	defer c.close()
	var out []syncproto.DeviceInfo
	return out, c.call(ctx, "GET", "/v1/devices", nil, &out)
}
