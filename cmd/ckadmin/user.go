package main

import (
	"flag"
	"fmt"
	"slices"
	"strings"

	"chartkeeper/store"
)

// newPasswordFlag adds --new-password-file, the file a new password is read from.
func newPasswordFlag(fs *flag.FlagSet) *string {
	return fs.String("new-password-file", "", "read the new password from `file` (else $"+envNewPassword+", else ask twice)")
}

func runUserAdd(e *env, args []string) error {
	fs := e.flags()
	sf := addStoreFlags(fs)
	name := fs.String("name", "", "the new user's full `name`")
	username := fs.String("username", "", "the `username` they will sign in with")
	roleName := fs.String("role", "", "their `role`: front-desk, clinician, coder or him")
	newFile := newPasswordFlag(fs)
	if _, err := e.parseExact(fs, args); err != nil {
		return err
	}
	switch {
	case *name == "":
		return usagef("missing --name \"FULL NAME\"")
	case *username == "":
		return usagef("missing --username USERNAME")
	case *roleName == "":
		return usagef("missing --role ROLE (front-desk, clinician, coder or him)")
	}
	role, err := store.ParseRole(*roleName)
	if err != nil {
		return usagef("%v", err)
	}
	s, err := e.signIn(sf)
	if err != nil {
		return err
	}
	defer s.Close()
	src := newPasswordSource(*username, *newFile, "--new-password-file", envNewPassword)
	if err := refuseBeforeAsking(s, src, "add users"); err != nil {
		return err
	}
	pw, err := e.readSecret(src)
	if err != nil {
		return err
	}
	defer clear(pw)
	u, err := s.AddUser(store.NewUser{Username: *username, Name: *name, Role: role, Password: pw})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Added %s (%s) as %s.\n", u.Username, u.Name, roleWords(u.Role))
	return nil
}

// refuseBeforeAsking spares someone who may not manage users from typing a
// new password twice only to be refused: when the password would be asked
// for at the terminal, the role is checked first. Scripted use (a file or
// environment variable) goes straight to the store, which decides.
func refuseBeforeAsking(s *store.Store, src secretSource, action string) error {
	if src.given() {
		return nil
	}
	u, err := s.CurrentUser()
	if err != nil {
		return err
	}
	if u.Role != store.RoleHIM {
		return fmt.Errorf("%w: only a health information manager may %s", store.ErrPermission, action)
	}
	return nil
}

func runUserList(e *env, args []string) error {
	fs := e.flags()
	sf := addStoreFlags(fs)
	if _, err := e.parseExact(fs, args); err != nil {
		return err
	}
	s, err := e.signIn(sf)
	if err != nil {
		return err
	}
	defer s.Close()
	users, err := s.Users()
	if err != nil {
		return err
	}
	slices.SortFunc(users, func(a, b store.User) int { return strings.Compare(a.Username, b.Username) })
	w, flush := e.columns()
	defer flush()
	for _, u := range users {
		fields := []string{u.Username, string(u.Role), u.Name}
		if u.Disabled {
			fields = append(fields, "disabled")
		}
		fmt.Fprintln(w, strings.Join(fields, "\t"))
	}
	return nil
}

func runUserDisable(e *env, args []string) error {
	fs := e.flags()
	sf := addStoreFlags(fs)
	pos, err := e.parseExact(fs, args, "the USERNAME to disable")
	if err != nil {
		return err
	}
	s, err := e.signIn(sf)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.DisableUser(pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Disabled %s: they can no longer sign in. Their records and history stay.\n", pos[0])
	e.showNewRecoveryKey(s)
	return nil
}

// runUserPasswd changes the signed-in user's own password, or with a
// username, lets a health information manager reset that user's password.
func runUserPasswd(e *env, args []string) error {
	fs := e.flags()
	sf := addStoreFlags(fs)
	newFile := newPasswordFlag(fs)
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("unexpected argument %q", pos[1])
	}
	me, err := sf.username()
	if err != nil {
		return err
	}
	target := me
	if len(pos) == 1 {
		target = pos[0]
	}
	own := strings.EqualFold(strings.TrimSpace(target), strings.TrimSpace(me))

	s, current, err := e.signInKeep(sf)
	if err != nil {
		return err
	}
	defer s.Close()
	defer clear(current)
	src := newPasswordSource(target, *newFile, "--new-password-file", envNewPassword)
	if !own {
		if err := refuseBeforeAsking(s, src, "reset passwords"); err != nil {
			return err
		}
	}
	next, err := e.readSecret(src)
	if err != nil {
		return err
	}
	defer clear(next)
	if own {
		if err := s.ChangePassword(current, next); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Changed the password for %s.\n", me)
		return nil
	}
	if err := s.ResetPassword(target, next); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Set a new password for %s. Give it to them in person; they can change it with 'ckadmin user passwd'.\n", target)
	return nil
}

func runUserRole(e *env, args []string) error {
	fs := e.flags()
	sf := addStoreFlags(fs)
	pos, err := e.parseExact(fs, args, "the USERNAME", "the new ROLE (front-desk, clinician, coder or him)")
	if err != nil {
		return err
	}
	role, err := store.ParseRole(pos[1])
	if err != nil {
		return usagef("%v", err)
	}
	s, err := e.signIn(sf)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.SetRole(pos[0], role); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s is now %s.\n", pos[0], roleWords(role))
	return nil
}

// roleWords names a role in a sentence: "a clinician", "front desk staff".
func roleWords(r store.Role) string {
	switch t := r.Title(); {
	case r == store.RoleFrontDesk:
		return t + " staff"
	case strings.ContainsRune("aeiou", rune(t[0])):
		return "an " + t
	default:
		return "a " + t
	}
}
