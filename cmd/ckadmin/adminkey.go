package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"chartkeeper/store"
	"chartkeeper/syncclient"
)

// The practice's administration and recovery keys at the sync server (see
// "Administration signatures" in docs/SYNC.md): revocations of other
// devices and enrollment codes carry the administration key's signature,
// and the recovery key re-establishes that key at the server.

// recoveryKeyFlag is the optional recovery key of a registration.
func recoveryKeyFlag(fs *flag.FlagSet) *string {
	return fs.String("recovery-key-file", "", "when connecting the practice, also give the server its recovery signing key, from the recovery key in `file` (or $"+envRecoveryKey+")")
}

// register connects the practice to server, this workstation becoming its
// first device; the server learns the practice's administration key and,
// when the recovery key is given (file or environment, never asked for
// here), its recovery signing key.
func (e *env) register(ctx context.Context, s *store.Store, server, fp, regFile, recoveryFile string) (syncclient.Config, error) {
	var opts syncclient.RegisterOptions
	if regFile != "" {
		b, err := os.ReadFile(regFile)
		if err != nil {
			return syncclient.Config{}, err
		}
		opts.RegistrationSecret = strings.TrimSpace(string(b))
	}
	if recoveryKeySource(recoveryFile).given() {
		rk, err := e.readRecoveryKey(recoveryFile)
		if err != nil {
			return syncclient.Config{}, err
		}
		opts.RecoveryKey = rk
	}
	if host, err := os.Hostname(); err == nil {
		opts.DeviceName = host
	}
	cfg, err := syncclient.Register(ctx, s, server, fp, opts)
	if err != nil {
		return cfg, fmt.Errorf("registering the practice with %s: %w", server, err)
	}
	fmt.Fprintf(e.stdout, "Registered the practice with %s; this workstation is its first device.\n", cfg.Server)
	if opts.RecoveryKey == "" {
		fmt.Fprintln(e.stdout, "The server holds no recovery key for the practice yet: 'ckadmin sync set-admin-key' gives it (with the recovery key), so the practice can re-establish its administration key there after a disaster.")
	}
	return cfg, nil
}

// runSyncSetAdminKey gives the server the practice's administration key
// and recovery signing key, signed by both: for a practice registered
// before the server kept them, to add the recovery key, or, after a
// disaster, to re-establish the administration key with the recovery key.
func runSyncSetAdminKey(e *env, args []string) error {
	fs := e.flags()
	sf := addStoreFlags(fs)
	keyFile := fs.String("recovery-key-file", "", "read the practice's recovery key from `file` (else $"+envRecoveryKey+", else ask)")
	timeout := fs.Duration("timeout", time.Minute, "give up after `duration`")
	if _, err := e.parseExact(fs, args); err != nil {
		return err
	}
	s, cfg, err := e.openDevices(sf, "set the practice's administration key on the server")
	if err != nil {
		return err
	}
	defer s.Close()
	rk, err := e.readRecoveryKey(*keyFile)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := syncclient.SetPracticeKeys(ctx, s, cfg, rk); err != nil {
		return fmt.Errorf("setting the practice's keys on %s: %w", cfg.Server, err)
	}
	if err := s.Audit(store.AuditEvent{Action: "sync.adminkey", Detail: cfg.Server, Flagged: true}); err != nil {
		return fmt.Errorf("the server took the keys, but the audit log could not record it: %w", err)
	}
	fmt.Fprintf(e.stdout, "The server %s now holds this practice's administration key and recovery key: it takes revocations and enrollment codes signed by this practice's health information managers only.\n", cfg.Server)
	return nil
}
