package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"chartkeeper/chart"
	"chartkeeper/store"
	"chartkeeper/syncclient"
	"chartkeeper/syncproto"
)

const envEnrollCode = "CHARTKEEPER_ENROLL_CODE"

// requireHIM refuses the rest of a command unless the signed-in user is a
// health information manager. The sync server sees devices, not roles, so
// device management is limited here, on the workstation.
func requireHIM(s *store.Store, action string) error {
	u, err := s.CurrentUser()
	if err != nil {
		return err
	}
	if u.Role != store.RoleHIM {
		return fmt.Errorf("%w: only a health information manager may %s", store.ErrPermission, action)
	}
	return nil
}

// connectedConfig returns the workstation's sync settings. When it is not
// connected yet and server is given, it registers the practice with that
// server first (the store's user must be an HIM manager; see register).
func (e *env) connectedConfig(ctx context.Context, s *store.Store, server, fp, regFile, recoveryFile string) (syncclient.Config, error) {
	cfg, err := syncclient.LoadConfig(s.Dir())
	switch {
	case errors.Is(err, syncclient.ErrNotConnected) && server == "":
		return cfg, usagef("this workstation is not connected to a sync server yet: give --server URL (and --fingerprint)")
	case errors.Is(err, syncclient.ErrNotConnected):
		if err := requireHIM(s, "connect the practice to a server"); err != nil {
			return cfg, err
		}
		return e.register(ctx, s, server, fp, regFile, recoveryFile)
	case err != nil:
		return cfg, err
	case server != "" && strings.TrimRight(server, "/") != cfg.Server:
		return cfg, usagef("this workstation syncs with %s already", cfg.Server)
	}
	return cfg, nil
}

// runEnrollIssue makes a one-time enrollment code for a new workstation.
// It syncs first, so the new workstation finds the practice's users (and
// their keyslots) on the server. The code is the last line of the output.
func runEnrollIssue(e *env, args []string) error {
	fs := e.flags()
	sf := addStoreFlags(fs)
	server := fs.String("server", "", "connect to the server at `URL` first, if this workstation is not connected yet")
	fp := fs.String("fingerprint", "", "the server certificate's SHA-256 `fingerprint`, as chartkeeperd printed it")
	regFile := fs.String("registration-secret-file", "", "the server's registration secret, if it has one, from `file`")
	recoveryFile := recoveryKeyFlag(fs)
	expires := fs.Duration("expires", syncproto.DefaultEnrollTTL, "the code stops working after `duration` (1m to 168h)")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after `duration`")
	if _, err := e.parseExact(fs, args); err != nil {
		return err
	}
	if *expires < syncproto.MinEnrollTTL || *expires > syncproto.MaxEnrollTTL {
		return usagef("--expires must be between %s and %s", syncproto.MinEnrollTTL, syncproto.MaxEnrollTTL)
	}
	s, err := e.signIn(sf)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := requireHIM(s, "enroll workstations"); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	cfg, err := e.connectedConfig(ctx, s, *server, *fp, *regFile, *recoveryFile)
	if err != nil {
		return err
	}
	c, err := syncclient.NewClient(s, cfg)
	if err != nil {
		return err
	}
	res, err := c.RunOnce(ctx)
	c.Close()
	if err != nil {
		return fmt.Errorf("sync with %s before making the code: %w", cfg.Server, err)
	}
	fmt.Fprintf(e.stdout, "Synced with %s: pushed %d revisions, pulled %d.\n", cfg.Server, res.Pushed, res.Pulled)
	code, until, err := syncclient.IssueEnrollment(ctx, s, cfg, *expires)
	if err != nil {
		return fmt.Errorf("making an enrollment code: %w", err)
	}
	fmt.Fprintf(e.stdout, `Enrollment code for a new workstation, valid once until %s.
Whoever holds it can join the practice: hand it over in person and do not
keep a copy. On the new workstation run:
  ckadmin enroll join --code-file FILE --data FOLDER
%s
`, until.Local().Format("2006-01-02 15:04 MST"), code)
	return nil
}

// runEnrollJoin makes a new workstation of a practice from an enrollment
// code. Nobody signs in: there are no users here until the first sync
// brings them, with their keyslots.
func runEnrollJoin(e *env, args []string) error {
	fs := e.flags()
	codeFlag := fs.String("code", "", "the enrollment `code` (or use --code-file, or $"+envEnrollCode+")")
	codeFile := fs.String("code-file", "", "read the enrollment code from `file`")
	data := fs.String("data", store.DefaultDir(), "the new workstation's data `folder`; it must not hold a practice")
	name := fs.String("name", "", "a `name` for this workstation in the device list (default the host name)")
	timeout := fs.Duration("timeout", 30*time.Minute, "give up after `duration` (the first sync brings everything)")
	if _, err := e.parseExact(fs, args); err != nil {
		return err
	}
	code := *codeFlag
	switch {
	case code != "" && *codeFile != "":
		return usagef("give the code with --code or --code-file, not both")
	case *codeFile != "":
		b, err := os.ReadFile(*codeFile)
		if err != nil {
			return fmt.Errorf("cannot read the enrollment code from %s: %v", *codeFile, pathErr(err))
		}
		code = string(b)
	case code == "":
		code = os.Getenv(envEnrollCode)
	}
	if strings.TrimSpace(code) == "" {
		return usagef("missing --code CODE (or --code-file FILE, or $%s)", envEnrollCode)
	}
	if _, err := syncclient.ParseEnrollCode(code); err != nil {
		return usagef("%v", err)
	}
	if store.Exists(*data) {
		return fmt.Errorf("%s: %w; give a new folder with --data", *data, store.ErrPracticeExists)
	}
	if *name == "" {
		*name, _ = os.Hostname()
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	st, cfg, res, err := syncclient.Join(ctx, code, *data, syncclient.JoinOptions{DeviceName: *name, StoreOptions: chart.StoreOptions()})
	if err != nil {
		return fmt.Errorf("joining the practice: %w", err)
	}
	defer st.Close()
	practice := "the practice"
	if p, err := st.Practice(); err == nil {
		practice = fmt.Sprintf("%q", p.Name)
	}
	var names []string
	if us, err := st.Users(); err == nil {
		for _, u := range us {
			if !u.Disabled {
				names = append(names, u.Username)
			}
		}
	}
	sort.Strings(names)
	fmt.Fprintf(e.stdout, "This workstation (device %s) joined %s through %s.\n", cfg.DeviceID, practice, cfg.Server)
	fmt.Fprintf(e.stdout, "Pulled %d revisions into %s.\n", res.Pulled, *data)
	if len(names) == 0 {
		fmt.Fprintln(e.stdout, "No users arrived yet: sync the issuing workstation, then run 'ckadmin sync' here.")
	} else {
		fmt.Fprintf(e.stdout, "These users can sign in here with their own passwords: %s\n", strings.Join(names, ", "))
	}
	return nil
}
