package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"chartkeeper/internal/plain"
	"chartkeeper/store"
)

// env is what a command talks to: the terminal or the pipes it was given.
type env struct {
	stdin  *os.File
	stdout io.Writer
	stderr io.Writer
	cmd    *command // the command being run, for its usage line
}

func newEnv() *env {
	return &env{stdin: os.Stdin, stdout: newSafeWriter(os.Stdout), stderr: newSafeWriter(os.Stderr)}
}

// command is one ckadmin command: its words ("user add"), the synopsis of
// its arguments, a one-line summary and the function that runs it.
type command struct {
	name     string
	synopsis string
	summary  string
	run      func(e *env, args []string) error
}

// usage is the command's usage line.
func (c *command) usage() string {
	return strings.Join(strings.Fields("ckadmin "+c.name+" "+c.synopsis+" [flags]"), " ")
}

// commands in the order help lists them.
var commands = []*command{
	{"init", "--data FOLDER --practice NAME --admin-name \"FULL NAME\" --admin-user USERNAME",
		"create a practice and its first health information manager", runInit},
	{"user add", "--name \"FULL NAME\" --username USERNAME --role ROLE",
		"add a user (roles: front-desk, clinician, coder, him)", runUserAdd},
	{"user list", "", "list the practice's users", runUserList},
	{"user disable", "USERNAME", "stop a user from signing in", runUserDisable},
	{"user passwd", "[USERNAME]", "change your own password, or reset USERNAME's", runUserPasswd},
	{"user role", "USERNAME ROLE", "change a user's role", runUserRole},
	{"recover", "--user USERNAME", "set a new password with the practice's recovery key", runRecover},
	{"verify", "", "check the whole store for damage and tampering", runVerify},
	{"backup", "--out FILE", "write a backup of the store to FILE", runBackup},
	{"restore", "--from FILE --data NEWFOLDER", "make NEWFOLDER a copy of a backup", runRestore},
	{"patient add", "--family NAME --given NAME --dob YYYY-MM-DD --sex SEX",
		"register a patient; prints the new MRN on the last line", runPatientAdd},
	{"patient find", "QUERY", "find patients by name, birth date, MRN or phone", runPatientFind},
	{"patient show", "--mrn MRN", "print a patient's chart as far as your role reaches", runPatientShow},
	{"audit list", "", "print the audit log, or with --mrn one patient's part of it", runAuditList},
	{"codes import", "FILE", "replace the ICD-10-CM code table with a CMS release file", runCodesImport},
	{"intake", "--from FOLDER [--category C] [--archive FOLDER]",
		"take every complete scan in FOLDER once (back-scanning); one line per file", runIntake},
	{"inbox list", "", "list unfiled documents: ID, pages, source file, time received", runInboxList},
	{"sync set-aside", "", "HIM: list what sync set aside (items from the server that failed their checks): time, kind, workstation, device, reason", runSyncSetAside},
	{"sync set-admin-key", "", "HIM: give the sync server the practice's administration key, signed with the recovery key (a practice registered before, or after a disaster)", runSyncSetAdminKey},
	{"sync", "[--server URL --fingerprint HEX]",
		"sync once with the practice's server (the first time, connect to it); prints what moved", runSync},
	{"enroll issue", "[--server URL --fingerprint HEX]",
		"HIM: make a one-time code for a new workstation; prints the code on the last line", runEnrollIssue},
	{"enroll join", "--code CODE --data NEWFOLDER", "make NEWFOLDER a new workstation of the practice of an enrollment code", runEnrollJoin},
	{"device list", "", "HIM: list the practice's devices (ID first; this workstation marked)", runDeviceList},
	{"device revoke", "ID", "HIM: stop a device from syncing", runDeviceRevoke},
	{"print summary", "--mrn MRN --out FILE.pdf", "print a patient summary to a PDF", runPrintSummary},
	{"print visit", "--id VISIT --out FILE.pdf", "print a visit note with its amendments to a PDF", runPrintVisit},
	{"print cover", "--mrn MRN --category C --out FILE.pdf", "print a scan cover sheet with its QR code", runPrintCover},
	{"print labels", "--mrn MRN --out FILE.pdf", "print a sheet of patient labels (Avery 5160)", runPrintLabels},
	{"export fhir", "[--mrn MRN] --out FILE.json", "write a chart, or the whole practice (HIM), as a FHIR R4 bundle", runExportFHIR},
	{"export access", "--mrn MRN --out FILE.zip", "write a patient's copy of their record (summary, FHIR, documents); recorded as a disclosure", runExportAccess},
	{"import fhir", "FILE", "HIM: import the charts in a FHIR R4 bundle, each patient whole", runImportFHIR},
	{"import csv", "FILE [--dry-run]", "register a legacy patient list (CSV), every row or none", runImportCSV},
	{"demo", "--patients N", "add made-up patients and charts, for trying Chartkeeper out", runDemo},
}

// commandDetails is more about a command, shown by its -h after the summary.
var commandDetails = map[string]string{
	"demo": demoDetails,
}

// run runs the command named by args and returns the exit status. Whatever
// happens below it, damage included, ends as a message, never a stack trace.
func run(e *env, args []string) (code int) {
	defer func() {
		if r := recover(); r != nil {
			plain.Logf("ckadmin: reading the store failed: %v", r)
			fmt.Fprintf(e.stderr, "ckadmin: The store could not be read: the file is damaged. Run 'ckadmin verify' to see what is damaged, and restore from a backup (details were written to %s).\n", plain.LogName)
			code = exitUnreadable
		}
	}()
	if len(args) == 0 {
		e.help(e.stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c, _ := lookup(args[1:]); c != nil {
				e.cmd = c
				return e.exit(c.run(e, []string{"-h"}))
			}
		}
		e.help(e.stdout)
		return exitOK
	}
	c, rest := lookup(args)
	if c == nil {
		return e.exit(e.unknownCommand(args))
	}
	e.cmd = c
	return e.exit(c.run(e, rest))
}

// lookup finds the command named by the first one or two words of args.
func lookup(args []string) (*command, []string) {
	for _, c := range commands {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			return c, args[len(words):]
		}
	}
	return nil, nil
}

func (e *env) unknownCommand(args []string) error {
	group := args[0]
	var subs []*command
	for _, c := range commands {
		if _, ok := strings.CutPrefix(c.name, group+" "); ok {
			subs = append(subs, c)
		}
	}
	if len(subs) == 0 {
		return &usageError{msg: fmt.Sprintf("unknown command %q; 'ckadmin help' lists the commands", group)}
	}
	var names []string
	for _, c := range subs {
		names = append(names, strings.TrimPrefix(c.name, group+" "))
	}
	if len(args) == 1 {
		return &usageError{msg: group + " needs a subcommand: " + strings.Join(names, ", ")}
	}
	switch args[1] {
	case "help", "-h", "-help", "--help":
		fmt.Fprintf(e.stdout, "%s commands:\n", capitalize(group))
		for _, c := range subs {
			fmt.Fprintf(e.stdout, "  %s\n    \t%s\n", c.usage(), c.summary)
		}
		return errHelpShown
	}
	return &usageError{msg: fmt.Sprintf("unknown %s subcommand %q (choose %s)", group, args[1], strings.Join(names, ", "))}
}

func (e *env) help(w io.Writer) {
	fmt.Fprint(w, `ckadmin administers a Chartkeeper practice's encrypted store.

Usage: ckadmin COMMAND [flags]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, `  help          show this list; 'ckadmin COMMAND -h' shows a command's flags

Commands that open a store take --data FOLDER (default %s)
and --user USERNAME (default $%s). The password is read from
--password-file FILE, else $%s, else asked for on the terminal.
A new password comes from --new-password-file FILE, else $%s,
else the terminal; a recovery key from --recovery-key-file FILE, else
$%s, else the terminal.

Exit status: 0 done; 1 failed (verify: damage found); 2 usage error or an
unreadable store; 3 refused for the user's role; 4 sign-in failed.
`, store.DefaultDir(), envUser, envPassword, envNewPassword, envRecoveryKey)
}
