// Command onekey-maker makes the fixture store/testdata/onekey: a small
// practice written by Chartkeeper before compartment keys (one data key),
// which TestMoveToKeyHierarchy moves to the key hierarchy. It is built
// against the store package of that older commit by make-onekey.sh; it is
// kept here so the fixture can be made again. Names are synthetic.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"chartkeeper/store"
)

const password = "fixture-password-1"

func main() {
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(dir string) error {
	rules := store.WithMergeRules(store.MergeRules{"patient": {}, "allergy": {}})
	s, rk, err := store.Create(dir, store.NewPractice{Name: "Fixture Clinic", AdminName: "Fixture Admin", AdminUser: "admin", AdminPassword: []byte(password)}, rules)
	if err != nil {
		return err
	}
	defer s.Close()
	for _, nu := range []store.NewUser{
		{Username: "desk", Name: "Fixture Desk", Role: store.RoleFrontDesk, Password: []byte(password)},
		{Username: "doc", Name: "Fixture Doc", Role: store.RoleClinician, Password: []byte(password)},
	} {
		if _, err := s.AddUser(nu); err != nil {
			return err
		}
	}
	s.Lock()
	if err := s.Unlock("doc", []byte(password)); err != nil {
		return err
	}
	pt, err := s.Put("patient", "", "", []byte(`{"family":"Fixturetest","given":"Ana"}`))
	if err != nil {
		return err
	}
	al, err := s.Put("allergy", pt.ID+".a1", "", []byte(`{"substance":"Fixture-latex"}`))
	if err != nil {
		return err
	}
	out, _ := json.MarshalIndent(map[string]string{"recovery_key": rk, "patient": pt.ID, "allergy": al.ID}, "", "  ")
	return os.WriteFile(dir+"/fixture.json", append(out, '\n'), 0o600)
}
