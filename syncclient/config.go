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
// Like device.json it is mode 0600 and never in backups: it holds this
// device's credential, and a restored copy is a new device that must be
// enrolled on its own.
const ConfigFileName = "sync.json"

// Config is how a workstation reaches its server.
type Config struct {
	Server      string `json:"server"`                // https://host:port
	Fingerprint string `json:"fingerprint,omitempty"` // pinned certificate; "" for a CA-signed one
	ServerID    string `json:"server_id"`
	PracticeID  string `json:"practice"`
	DeviceID    string `json:"device"`
	Token       string `json:"token"`
}

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
	if err := json.Unmarshal(b, &c); err != nil || c.Server == "" || c.Token == "" {
		return c, fmt.Errorf("%s is damaged; connect this workstation again", filepath.Join(dir, ConfigFileName))
	}
	return c, nil
}

// SaveConfig writes the sync settings atomically, mode 0600.
func SaveConfig(dir string, c Config) error {
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
}

func normalizeServer(u string) (string, error) {
	u = strings.TrimRight(strings.TrimSpace(u), "/")
	if !strings.HasPrefix(u, "https://") {
		return "", fmt.Errorf("the server address must start with https:// (got %q)", u)
	}
	return u, nil
}

// Register connects the practice of st to a server for the first time: the
// practice is registered there with this workstation as its first device,
// and the settings are saved in the data folder. The store must be
// unlocked only in that the device ID must be known.
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
	cfg := Config{Server: server, Fingerprint: fingerprint, PracticeID: st.PracticeID(), DeviceID: st.DeviceID(), Token: syncproto.NewToken()}
	c, err := newHTTP(cfg)
	if err != nil {
		return Config{}, err
	}
	req := syncproto.RegisterRequest{PracticeID: cfg.PracticeID, DeviceID: cfg.DeviceID, DeviceName: opts.DeviceName,
		Token: cfg.Token, RegistrationSecret: opts.RegistrationSecret}
	var h syncproto.Health
	if err := c.call(ctx, "POST", "/v1/register", req, &h); err != nil {
		return Config{}, err
	}
	cfg.ServerID = h.ServerID
	return cfg, SaveConfig(st.Dir(), cfg)
}

// Devices lists the practice's devices as the server knows them.
func Devices(ctx context.Context, cfg Config) ([]syncproto.DeviceInfo, error) {
	c, err := newHTTP(cfg)
	if err != nil {
		return nil, err
	}
	var out []syncproto.DeviceInfo
	return out, c.call(ctx, "GET", "/v1/devices", nil, &out)
}

// RevokeDevice revokes a device of the practice: the server refuses it
// from then on.
func RevokeDevice(ctx context.Context, cfg Config, deviceID string) error {
	c, err := newHTTP(cfg)
	if err != nil {
		return err
	}
	return c.call(ctx, "POST", "/v1/devices/revoke", syncproto.RevokeRequest{DeviceID: deviceID}, nil)
}
