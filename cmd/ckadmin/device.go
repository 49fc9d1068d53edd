package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"chartkeeper/internal/words"
	"chartkeeper/store"
	"chartkeeper/syncclient"
	"chartkeeper/syncproto"
)

// openDevices signs in, checks the user may manage devices and loads the
// workstation's sync settings with its credentials (sealed in the store).
func (e *env) openDevices(sf *storeFlags, action string) (*store.Store, syncclient.Config, error) {
	s, err := e.signIn(sf)
	if err != nil {
		return nil, syncclient.Config{}, err
	}
	if err := requireHIM(s, action); err != nil {
		s.Close()
		return nil, syncclient.Config{}, err
	}
	cfg, err := syncclient.Load(s)
	if err != nil {
		s.Close()
		if errors.Is(err, syncclient.ErrNotConnected) {
			err = fmt.Errorf("%w ('ckadmin sync --server URL --fingerprint HEX' connects it)", err)
		}
		return nil, cfg, err
	}
	return s, cfg, nil
}

// runDeviceList prints the practice's devices as the server knows them:
// ID, name, enrolment date, state, and "this workstation" on its own line.
func runDeviceList(e *env, args []string) error {
	fs := e.flags()
	sf := addStoreFlags(fs)
	timeout := fs.Duration("timeout", time.Minute, "give up after `duration`")
	if _, err := e.parseExact(fs, args); err != nil {
		return err
	}
	s, cfg, err := e.openDevices(sf, "manage devices")
	if err != nil {
		return err
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	ds, err := syncclient.Devices(ctx, cfg)
	if err != nil {
		return fmt.Errorf("listing devices on %s: %w", cfg.Server, err)
	}
	w, flush := e.columns()
	for _, d := range ds {
		state := "active"
		switch {
		case !d.Revoked.IsZero():
			state = "revoked " + d.Revoked.Local().Format("2006-01-02")
		case d.Keyless:
			// Enrolled before device keys; its token alone could still
			// register a key until it syncs once (docs/SYNC.md).
			state = "active, no signing key yet"
		}
		line := fmt.Sprintf("%s\t%s\tenrolled %s\t%s", d.ID, field(d.Name), d.Created.Local().Format("2006-01-02"), state)
		if d.ID == cfg.DeviceID {
			line += "\tthis workstation"
		}
		fmt.Fprintln(w, line)
	}
	flush()
	return nil
}

// runDeviceRevoke revokes a device: the server refuses it from then on, and
// codes it issued stop working. ID may be a unique prefix of 8 or more.
func runDeviceRevoke(e *env, args []string) error {
	fs := e.flags()
	sf := addStoreFlags(fs)
	timeout := fs.Duration("timeout", time.Minute, "give up after `duration`")
	pos, err := e.parseExact(fs, args, "ID")
	if err != nil {
		return err
	}
	want := strings.ToLower(strings.TrimSpace(pos[0]))
	if len(want) < 8 {
		return usagef("give the device ID (at least its first 8 characters) as 'ckadmin device list' shows it")
	}
	s, cfg, err := e.openDevices(sf, "revoke devices")
	if err != nil {
		return err
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	ds, err := syncclient.Devices(ctx, cfg)
	if err != nil {
		return fmt.Errorf("listing devices on %s: %w", cfg.Server, err)
	}
	var match []syncproto.DeviceInfo
	for _, d := range ds {
		if d.ID == want {
			match = []syncproto.DeviceInfo{d}
			break
		}
		if strings.HasPrefix(d.ID, want) {
			match = append(match, d)
		}
	}
	switch {
	case len(match) == 0:
		return fmt.Errorf("the server knows no device %s of this practice ('ckadmin device list' shows them)", want)
	case len(match) > 1:
		return usagef("%s names %s; give more of the ID", want, words.Plural(len(match), "device"))
	}
	d := match[0]
	if d.ID == cfg.DeviceID {
		return errors.New("this is this workstation's own device: revoke it from another workstation of the practice")
	}
	if !d.Revoked.IsZero() {
		fmt.Fprintf(e.stdout, "Device %s (%s) was revoked already on %s.\n", d.ID, field(d.Name), d.Revoked.Local().Format("2006-01-02 15:04"))
		return nil
	}
	if err := syncclient.RevokeDevice(ctx, cfg, d.ID); err != nil {
		return fmt.Errorf("revoking %s: %w", d.ID, err)
	}
	if err := s.Audit(store.AuditEvent{Action: "device.revoke", Subject: d.ID, Detail: d.Name}); err != nil {
		return fmt.Errorf("the device was revoked, but the audit log could not record it: %w", err)
	}
	fmt.Fprintf(e.stdout, "Revoked device %s (%s): the server refuses it from now on, and enrollment codes it issued no longer work.\n", d.ID, field(d.Name))
	// A copy of the device's folder opens what its users' keys opened:
	// the records and audit entries sealed from now on use new keys.
	if _, err := s.RotateKeys("device.revoke: " + d.ID); err != nil {
		return fmt.Errorf("the device was revoked, but the practice's keys were not renewed (run 'ckadmin device revoke %s' again): %w", d.ID, err)
	}
	fmt.Fprintln(e.stdout, "Records and audit entries are sealed with a new key from now on; other workstations take it when their users next sign in.")
	// The practice's administration key changed with them: the server
	// learns the new one now (a sync would send it too).
	if err := syncclient.SendAdminKeyChanges(ctx, s, cfg); err != nil {
		fmt.Fprintf(e.stdout, "The server does not have the practice's new administration key yet; the next sync gives it (%v).\n", err)
	}
	e.showNewRecoveryKey(s)
	return nil
}
