package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"chartkeeper/chart"
	"chartkeeper/internal/plain"
	"chartkeeper/store"
)

// openService signs in as for any command and opens the chart service over
// the store: every patient command goes through it, so roles, validation
// and the audit log hold as in the workstation. done closes both.
func (e *env) openService(sf *storeFlags) (svc *chart.Service, done func(), err error) {
	s, err := e.signIn(sf)
	if err != nil {
		return nil, nil, err
	}
	svc, err = chart.Open(s)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return svc, func() { svc.Close(); s.Close() }, nil
}

// columns is where a command prints a table: aligned columns for a person
// at a terminal, tab-separated fields for a script. flush ends the table.
func (e *env) columns() (w io.Writer, flush func()) {
	if f := fileOf(e.stdout); f != nil && term.IsTerminal(int(f.Fd())) {
		tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		return tw, func() { tw.Flush() }
	}
	return e.stdout, func() {}
}

// field makes free text safe for one tab-separated field: no tabs or line
// breaks, and "-" for nothing.
func field(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "-"
	}
	return s
}

// mrnFlagOrArg is the MRN given with --mrn or as the one positional
// argument. An MRN with a wrong check digit is a typing mistake: usage.
func mrnFlagOrArg(flagValue string, pos []string) (string, error) {
	mrn := strings.TrimSpace(flagValue)
	switch {
	case len(pos) > 1 || len(pos) == 1 && mrn != "":
		return "", usagef("give one MRN, with --mrn")
	case len(pos) == 1:
		mrn = strings.TrimSpace(pos[0])
	case mrn == "":
		return "", usagef("missing --mrn MRN")
	}
	if !chart.ValidMRN(mrn) {
		return "", usagef("%q is not a medical record number: 8 digits, the last a check digit", mrn)
	}
	return mrn, nil
}

// roleOf is the signed-in user's role, for messages.
func roleOf(svc *chart.Service) store.Role {
	u, err := svc.CurrentUser()
	if err != nil {
		return ""
	}
	return u.Role
}

// validationMessage spells out a refused record one field a line:
//
//	the patient was not saved:
//	  Birth date is in the future.
func validationMessage(msg string, ve *chart.ValidationError) string {
	prefix, ok := strings.CutSuffix(msg, ve.Error())
	if !ok {
		return plain.Validation(ve)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%sthe %s was not saved:", prefix, ve.What)
	for _, f := range ve.Fields {
		fmt.Fprintf(&b, "\n  %s", plain.FieldMessage(f))
	}
	return b.String()
}
