// Package plain turns errors into sentences for people: what happened and
// what to do, with no Go error text, no URL or method, no socket or
// certificate jargon and no internal field keys. The workstation and
// ckadmin both show errors through it, so a failure reads the same in both
// (only the advice differs: a flag for ckadmin, a button for the
// workstation). An error it does not know is shown as a general sentence
// and its raw text goes to the log.
//
// Every sentence is written in English as a whole and goes through [T],
// which the workstation sets to its translator; values go in with fmt
// verbs, so a translation may put them where its grammar wants them.
package plain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"

	"chartkeeper/chart"
	"chartkeeper/store"
	"chartkeeper/syncclient"
	"chartkeeper/syncproto"
)

// Audience is who reads the sentence: the advice differs.
type Audience int

const (
	Workstation Audience = iota // the desktop workstation: buttons and menus
	Admin                       // ckadmin: flags and commands
)

// T translates a sentence, a field name or a problem. It returns its
// argument unchanged (English) unless a program sets it: the workstation
// sets it to its translator, ckadmin keeps English. Set it before any
// sentence is made; it is not safe to change while sentences are made.
var T = func(s string) string { return s }

// Logf receives the raw text of errors the package does not recognise.
// It is the standard logger unless a program or test replaces it; LogName
// says where it writes, for the sentences that point there.
var (
	Logf    = log.Printf
	LogName = T("the log")
)

// logName is LogName in the reader's language.
func logName() string { return T(LogName) }

// Unknown is the sentence for an error the package cannot explain; its raw
// text is logged.
func Unknown() string {
	return fmt.Sprintf(T("Something went wrong that Chartkeeper cannot explain; details were written to %s."), logName())
}

// Sentence is err as one or more sentences for a person.
func Sentence(a Audience, err error) string {
	if err == nil {
		return ""
	}
	if s := known(a, err); s != "" {
		return s
	}
	text := strings.TrimPrefix(err.Error(), store.ErrInvalid.Error()+": ")
	if Raw(text) != "" {
		Logf("chartkeeper: unexplained error: %s", text)
		return Unknown()
	}
	return T(Full(text))
}

// Full starts s with a capital letter and ends it with a full stop.
func Full(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, ".)") {
		s += "."
	}
	return Capital(s)
}

// Capital starts s with a capital letter.
func Capital(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// FieldMessage is one field's problem as a sentence: "Category is required."
func FieldMessage(fe chart.FieldError) string {
	// The field's name and its problem in the order the language puts
	// them; French, for one, writes "Catégorie : obligatoire".
	return Full(fmt.Sprintf(T("%[1]s %[2]s"), FieldName(fe.Field), Problem(fe)))
}

// Problem is a field's problem without the field's name, translated: "is
// required". Values in it (a code, a length) are filled in after the
// translation; units marked as [chart.Word] are translated too.
func Problem(fe chart.FieldError) string {
	if fe.Format == "" {
		return T(fe.Message)
	}
	args := make([]any, len(fe.Args))
	for i, a := range fe.Args {
		if w, ok := a.(chart.Word); ok {
			a = T(string(w))
		}
		args[i] = a
	}
	return fmt.Sprintf(T(fe.Format), args...)
}

var (
	indexed = regexp.MustCompile(`^(.*?)\[(\d+)\]\.?(.*)$`)
	record  = regexp.MustCompile(`^([a-z ]+) (\d+): (.+)$`)
)

// FieldName is a field key in words, translated: "diagnoses[2].code" is
// "code of diagnosis line 2" (chart counts lines from 1, as the forms
// show them); plain names ("birth date") are translated as they are. A record of an imported chart
// prefixes its fields: "problem 3: description".
func FieldName(key string) string {
	if m := record.FindStringSubmatch(key); m != nil {
		n, _ := strconv.Atoi(m[2])
		if f := recordLine(m[1]); f != "" {
			return fmt.Sprintf(T("%[1]s: %[2]s"), fmt.Sprintf(f, n), FieldName(m[3]))
		}
	}
	m := indexed.FindStringSubmatch(key)
	if m == nil {
		return T(strings.ReplaceAll(key, "_", " "))
	}
	n, _ := strconv.Atoi(m[2])
	line := fmt.Sprintf(listLine(m[1]), n)
	if m[3] == "" {
		return line
	}
	return fmt.Sprintf(T("%[1]s of %[2]s"), FieldName(m[3]), line)
}

// listLine is the format of line n of a list field, translated.
func listLine(list string) string {
	switch list {
	case "diagnoses":
		return T("diagnosis line %d")
	case "procedures":
		return T("procedure line %d")
	case "identifiers":
		return T("identifier line %d")
	case "amendments":
		return T("amendment line %d")
	case "parts":
		return T("part line %d")
	case "items":
		return T("item line %d")
	case "codings":
		return T("coding line %d")
	case "reaction codings":
		return T("reaction coding line %d")
	case "reason codings":
		return T("reason coding line %d")
	case "value codings":
		return T("value coding line %d")
	case "category codings":
		return T("category coding line %d")
	}
	// a list this package does not know: its name as it is
	return strings.ReplaceAll(strings.TrimSuffix(list, "s"), "%", "%%") + " line %d"
}

// recordLine is the format of record n of an imported chart, translated,
// or "" for a kind of record this package does not know.
func recordLine(kind string) string {
	switch kind {
	case "problem":
		return T("problem %d")
	case "allergy":
		return T("allergy %d")
	case "medication":
		return T("medication %d")
	case "vital signs":
		return T("vital signs %d")
	case "immunization":
		return T("immunization %d")
	case "procedure":
		return T("procedure %d")
	case "result":
		return T("result %d")
	case "report":
		return T("report %d")
	case "visit":
		return T("visit %d")
	case "document":
		return T("document %d")
	}
	return ""
}

// Validation is a refused record with each field's problem, one sentence
// each: "The filing was not saved. Category is required."
func Validation(ve *chart.ValidationError) string {
	parts := []string{notSaved(ve.What)}
	for _, fe := range ve.Fields {
		parts = append(parts, FieldMessage(fe))
	}
	return strings.Join(parts, " ")
}

// notSaved is the first sentence of a refused record: one whole sentence
// for each kind of record chart refuses (ValidationError.What).
func notSaved(what string) string {
	switch what {
	case "patient":
		return T("The patient was not saved.")
	case "problem":
		return T("The problem was not saved.")
	case "allergy":
		return T("The allergy was not saved.")
	case "medication":
		return T("The medication was not saved.")
	case "vital signs":
		return T("The vital signs were not saved.")
	case "immunization":
		return T("The immunization was not saved.")
	case "procedure":
		return T("The procedure was not saved.")
	case "result":
		return T("The result was not saved.")
	case "report":
		return T("The report was not saved.")
	case "visit":
		return T("The visit was not saved.")
	case "amendment":
		return T("The amendment was not saved.")
	case "coding":
		return T("The coding was not saved.")
	case "document":
		return T("The document was not saved.")
	case "filing":
		return T("The filing was not saved.")
	case "rejection":
		return T("The rejection was not saved.")
	case "deletion":
		return T("The deletion was not saved.")
	case "death":
		return T("The death was not saved.")
	case "resolution":
		return T("The resolution was not saved.")
	case "new MRN":
		return T("The new MRN was not saved.")
	case "decision":
		return T("The decision was not saved.")
	case "merge":
		return T("The merge was not saved.")
	case "undo of the merge":
		return T("The undo of the merge was not saved.")
	case "amendment request":
		return T("The amendment request was not saved.")
	case "disclosure":
		return T("The disclosure was not saved.")
	case "break-glass access":
		return T("The break-glass access was not saved.")
	case "imported chart":
		return T("The imported chart was not saved.")
	case "not the same person":
		return T("The decision that they are not the same person was not saved.")
	case "undoing not the same person":
		return T("The undoing of \"not the same person\" was not saved.")
	case `"No known allergies"`:
		return T("\"No known allergies\" was not saved.")
	}
	// a kind this package does not know
	return T("The record was not saved.")
}

func known(a Audience, err error) string {
	var (
		ve  *chart.ValidationError
		se  *syncclient.ServerError
		ue  *url.Error
		pe  *fs.PathError
		dns *net.DNSError
	)
	switch {
	case errors.As(err, &ve):
		return Validation(ve)
	case errors.Is(err, context.Canceled):
		return T("Stopped before it finished; nothing more was done.")
	}
	if p := syncclient.CertProblem(err); p != "" {
		return certSentence(a, p, host(err))
	}
	switch {
	case errors.As(err, &se):
		return serverSentence(a, se)
	case errors.As(err, &dns):
		return fmt.Sprintf(pick(a,
			T("Cannot find the sync server %s: that name is not known on this network. Check the server address; your changes are kept and will be sent later."),
			T("Cannot find the sync server %s: that name is not known on this network. Check the server address.")), dns.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf(pick(a,
			T("Cannot reach the sync server at %s (nothing is listening there). Check that chartkeeperd is running; your changes are kept and will be sent later."),
			T("Cannot reach the sync server at %s (nothing is listening there). Check that chartkeeperd is running.")), host(err))
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return fmt.Sprintf(pick(a,
			T("Cannot reach the sync server at %s: this computer has no network route to it. Check the network connection; your changes are kept and will be sent later."),
			T("Cannot reach the sync server at %s: this computer has no network route to it. Check the network connection.")), host(err))
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return fmt.Sprintf(pick(a,
			T("The sync server at %s did not answer in time. Check the network and that chartkeeperd is running; your changes are kept and will be sent later."),
			T("The sync server at %s did not answer in time. Check the network and that chartkeeperd is running.")), host(err))
	case errors.As(err, &ue), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, net.ErrClosed), errors.Is(err, syscall.EPIPE):
		if h := host(err); h != "" {
			return fmt.Sprintf(pick(a,
				T("The connection to the sync server at %s broke off. Try again in a moment; your changes are kept and will be sent later."),
				T("The connection to the sync server at %s broke off. Try again in a moment.")), h)
		}
	}
	if s := diskSentence(err); s != "" {
		return s
	}
	switch {
	case errors.As(err, &pe):
		Logf("chartkeeper: file error: %v", err)
		return fmt.Sprintf(fileSentence(pe.Op), pe.Path, logName())
	case errors.Is(err, store.ErrTampered):
		return pick(a,
			T("Stored data failed its integrity check (changed, moved or damaged). Ask your health information manager to check the practice and restore from a backup."),
			T("Stored data failed its integrity check (changed, moved or damaged). Run 'ckadmin verify' to see what is damaged, and restore from a backup."))
	}
	return ""
}

// pick is the workstation's sentence or ckadmin's: the workstation's
// reassures that changes are kept, ckadmin's names flags and commands.
func pick(a Audience, workstation, admin string) string {
	if a == Admin {
		return admin
	}
	return workstation
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// host is the server's host:port in err, or "".
func host(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			return u.Host
		}
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Addr != nil {
		return oe.Addr.String()
	}
	return ""
}

// at is the sentence naming the server's host, or the one without it when
// the host is not known.
func at(host, withHost, without string) string {
	if host == "" {
		return without
	}
	return fmt.Sprintf(withHost, host)
}

func certSentence(a Audience, problem, host string) string {
	switch problem {
	case syncclient.CertPinMismatch:
		if a == Admin {
			return T("The server's certificate is not the one you pinned (a different server, or someone in between). Pass --fingerprint as chartkeeperd printed it.")
		}
		return at(host,
			T("The sync server at %s shows a different certificate than the one this workstation trusts (a different server, or someone in between). Nothing was sent. Ask your administrator to check the server."),
			T("The sync server shows a different certificate than the one this workstation trusts (a different server, or someone in between). Nothing was sent. Ask your administrator to check the server."))
	case syncclient.CertUnknownAuthority, syncclient.CertInvalid, syncclient.CertWrongName:
		if a == Admin {
			return at(host,
				T("The sync server at %s has a certificate this computer cannot check. Pass --fingerprint with the fingerprint chartkeeperd printed when it started."),
				T("The sync server has a certificate this computer cannot check. Pass --fingerprint with the fingerprint chartkeeperd printed when it started."))
		}
		return at(host,
			T("The sync server at %s has a certificate this workstation cannot check. Join with the fingerprint chartkeeperd printed when it started."),
			T("The sync server has a certificate this workstation cannot check. Join with the fingerprint chartkeeperd printed when it started."))
	case syncclient.CertNotTLS:
		return at(host,
			T("The sync server at %s did not answer as a secure sync server. Check the address and port."),
			T("The sync server did not answer as a secure sync server. Check the address and port."))
	}
	return at(host,
		T("The sync server at %s refused the secure connection. Check the address and port, and that this is the practice's sync server."),
		T("The sync server refused the secure connection. Check the address and port, and that this is the practice's sync server."))
}

func serverSentence(a Audience, se *syncclient.ServerError) string {
	switch {
	case errors.Is(se, syncproto.ErrQuotaExceeded):
		return pick(a,
			T("The practice's storage on the sync server is full; your changes are kept on this workstation. Ask your administrator to make room on the server."),
			T("The practice's storage on the sync server is full. Raise its quota on the server (chartkeeperd) or remove old documents."))
	case errors.Is(se, syncproto.ErrDeviceRevoked):
		return pick(a,
			T("This workstation has been revoked on the sync server, so it no longer syncs. Ask your health information manager for a new enrollment code."),
			T("This device has been revoked on the sync server. Enroll it again with a new code from 'ckadmin enroll issue'."))
	case errors.Is(se, syncproto.ErrUnknownDevice):
		return T("The sync server does not know this workstation (it was removed, or the server's data was reset). Enroll it again.")
	case se.Status == http.StatusTooManyRequests:
		return T("The sync server is busy. It will be tried again shortly.")
	case se.Status >= 500:
		return fmt.Sprintf(T("The sync server had a problem of its own (status %d). Try again later; if it lasts, its administrator will find the cause in chartkeeperd's log."), se.Status)
	}
	msg := se.Msg
	if msg == "" || Raw(msg) != "" || msg == http.StatusText(se.Status) {
		Logf("chartkeeper: sync server refused (%d): %s", se.Status, se.Msg)
		return fmt.Sprintf(T("The sync server refused the request (status %d); details were written to the log."), se.Status)
	}
	// the server's own words, as it sent them
	return fmt.Sprintf(T("The sync server refused: %s"), Full(msg))
}

// diskSentence explains a full, read-only or forbidden data folder.
func diskSentence(err error) string {
	path := ""
	var pe *fs.PathError
	if errors.As(err, &pe) {
		path = pe.Path
	}
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return at(path,
			T("The disk is full, so nothing could be written to %s. Free some space and try again; what you typed is still on the screen."),
			T("The disk is full, so nothing could be written to the data folder. Free some space and try again; what you typed is still on the screen."))
	case errors.Is(err, syscall.EROFS):
		return at(path,
			T("%s is on a disk that cannot be written to (read-only). Use a data folder on a writable disk."),
			T("The data folder is on a disk that cannot be written to (read-only). Use a data folder on a writable disk."))
	case errors.Is(err, fs.ErrPermission):
		return at(path,
			T("Chartkeeper is not allowed to write to %s. Ask whoever looks after this computer to give your account access to it."),
			T("Chartkeeper is not allowed to write to the data folder. Ask whoever looks after this computer to give your account access to it."))
	case errors.Is(err, syscall.ENOTDIR) && path != "":
		return fmt.Sprintf(T("Part of %s is a file where a folder was expected. Check the name and try again."), path)
	case errors.Is(err, syscall.EISDIR) && path != "":
		return fmt.Sprintf(T("%s is a folder where a file was expected. Check the name and try again."), path)
	case errors.Is(err, fs.ErrNotExist) && path != "":
		return fmt.Sprintf(T("There is no file or folder at %s. Check the name and try again."), path)
	}
	return ""
}

// fileSentence is the sentence for a failed operation of fs.PathError, with
// the path and where the details went as its values.
func fileSentence(op string) string {
	switch op {
	case "open":
		return T("Could not open %s; details were written to %s. Check that the folder exists and that this computer account may use it.")
	case "mkdir":
		return T("Could not create the folder %s; details were written to %s. Check that the folder exists and that this computer account may use it.")
	case "write", "truncate":
		return T("Could not write to %s; details were written to %s. Check that the folder exists and that this computer account may use it.")
	case "read":
		return T("Could not read %s; details were written to %s. Check that the folder exists and that this computer account may use it.")
	case "remove":
		return T("Could not remove %s; details were written to %s. Check that the folder exists and that this computer account may use it.")
	case "rename":
		return T("Could not rename %s; details were written to %s. Check that the folder exists and that this computer account may use it.")
	case "stat", "lstat":
		return T("Could not find %s; details were written to %s. Check that the folder exists and that this computer account may use it.")
	case "chmod":
		return T("Could not change the permissions of %s; details were written to %s. Check that the folder exists and that this computer account may use it.")
	case "create":
		return T("Could not create %s; details were written to %s. Check that the folder exists and that this computer account may use it.")
	case "sync":
		return T("Could not save %s; details were written to %s. Check that the folder exists and that this computer account may use it.")
	case "readdirent", "readdir":
		return T("Could not list %s; details were written to %s. Check that the folder exists and that this computer account may use it.")
	}
	return T("Could not use %s; details were written to %s. Check that the folder exists and that this computer account may use it.")
}

var (
	rawPatterns = []*regexp.Regexp{
		regexp.MustCompile(`https?://\S*/v1/`),
		regexp.MustCompile(`\w: (is|are|must|has|was|cannot|does|may) `),
		regexp.MustCompile(`\b0x[0-9a-fA-F]`),
		regexp.MustCompile(`\b(chart|store|syncclient|syncproto|syncserver|scan|fhir|os|fs|net|url|json|bbolt|errors)\.[A-Z*]`),
	}
	rawFragments = []string{"dial tcp", "dial udp", "x509", "tls:", `Post "`, `Get "`, `Put "`, `Delete "`,
		"%!", "<nil>", "error:", "EOF", "errno", "*chart.", "store.Err", "syscall", "goroutine", "panic:",
		"read tcp", "write tcp", "connect:", "lookup ", "invalid character", "json:", "unexpected end"}
)

// Raw returns the first fragment of Go error text found in s, "" when s
// reads as words for people. Tests check every message shown with it.
func Raw(s string) string {
	for _, f := range rawFragments {
		if strings.Contains(s, f) {
			return f
		}
	}
	for _, re := range rawPatterns {
		if m := re.FindString(s); m != "" {
			return m
		}
	}
	return ""
}
