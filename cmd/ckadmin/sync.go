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
)

// runSync runs one sync with the practice's server and prints what moved.
// The first time, --server (and --fingerprint for a self-signed
// certificate) connect the workstation: an HIM manager registers the
// practice with the server, this workstation becoming its first device.
func runSync(e *env, args []string) error {
	fs := e.flags()
	sf := addStoreFlags(fs)
	server := fs.String("server", "", "connect to the server at `URL` (https://host:port) the first time")
	fp := fs.String("fingerprint", "", "the server certificate's SHA-256 `fingerprint`, as chartkeeperd printed it")
	regFile := fs.String("registration-secret-file", "", "the server's registration secret, if it has one, from `file`")
	recoveryFile := recoveryKeyFlag(fs)
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after `duration`")
	if _, err := e.parseExact(fs, args); err != nil {
		return err
	}
	s, err := e.signIn(sf)
	if err != nil {
		return err
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	cfg, err := syncclient.LoadConfig(s.Dir())
	switch {
	case errors.Is(err, syncclient.ErrNotConnected) && *server == "":
		return usagef("this workstation is not connected to a sync server yet: give --server URL (and --fingerprint)")
	case errors.Is(err, syncclient.ErrNotConnected):
		u, _ := s.CurrentUser()
		if u.Role != store.RoleHIM {
			return fmt.Errorf("connecting the practice to a server: %w", store.ErrPermission)
		}
		if cfg, err = e.register(ctx, s, *server, *fp, *regFile, *recoveryFile); err != nil {
			return err
		}
	case err != nil:
		return err
	case *server != "" && strings.TrimRight(*server, "/") != cfg.Server:
		return usagef("this workstation syncs with %s already", cfg.Server)
	}
	c, err := syncclient.NewClient(s, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	res, err := c.RunOnce(ctx)
	fmt.Fprintf(e.stdout, "pushed %s (%d sent), pulled %d (%d received)\n", words.Plural(res.Pushed, "revision"), res.Sent, res.Pulled, res.Received)
	fmt.Fprintf(e.stdout, "documents: sent %d, fetched %d; audit entries: sent %d, fetched %d\n",
		res.BlobsPushed, res.BlobsPulled, res.AuditPushed, res.AuditPulled)
	if res.Skewed {
		fmt.Fprintln(e.stdout, "warning: a revision came from a workstation whose clock is more than 5 minutes off")
	}
	if res.SetAside > 0 {
		fmt.Fprintf(e.stdout, "warning: set aside %s from the server that failed their checks ('ckadmin sync set-aside' lists them)\n", words.Plural(res.SetAside, "item"))
	}
	if err != nil {
		return fmt.Errorf("sync with %s: %w", cfg.Server, err)
	}
	fmt.Fprintln(e.stdout, c.Status())
	return nil
}
