package main

import (
	"fmt"

	"chartkeeper/chart"
	"chartkeeper/store"
)

// runInit creates a practice and shows its recovery key, once.
func runInit(e *env, args []string) error {
	fs := e.flags()
	data := fs.String("data", store.DefaultDir(), "the new practice's data `folder`")
	practice := fs.String("practice", "", "the practice's `name`, as printed on documents")
	adminName := fs.String("admin-name", "", "the full `name` of its first health information manager")
	adminUser := fs.String("admin-user", "", "the `username` they sign in with")
	pwFile := fs.String("password-file", "", "read their password from `file` (else $"+envPassword+", else ask twice)")
	if _, err := e.parseExact(fs, args); err != nil {
		return err
	}
	switch {
	case *practice == "":
		return usagef("missing --practice NAME")
	case *adminName == "":
		return usagef("missing --admin-name \"FULL NAME\"")
	case *adminUser == "":
		return usagef("missing --admin-user USERNAME")
	}
	if store.Exists(*data) {
		return fmt.Errorf("%s: %w", *data, store.ErrPracticeExists)
	}
	src := newPasswordSource(*adminUser, *pwFile, "--password-file", envPassword)
	pw, err := e.readSecret(src)
	if err != nil {
		return err
	}
	defer clear(pw)
	s, recoveryKey, err := chart.CreateStore(*data, store.NewPractice{
		Name: *practice, AdminName: *adminName, AdminUser: *adminUser, AdminPassword: pw,
	})
	if err != nil {
		return err
	}
	u, _ := s.CurrentUser()
	if err := s.Close(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, `Created the practice %q in %s.
%s (%s) signs in as its health information manager.

Recovery key: %s

Print this recovery key or write it down now, and keep it somewhere safe, away
from this computer. It is shown only this once. With it the practice can be
brought back from a backup when every workstation is lost, and a forgotten
password can be replaced ('ckadmin recover').
`, *practice, *data, u.Username, u.Name, recoveryKey)
	return nil
}
