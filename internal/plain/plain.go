// Package plain turns errors into sentences for people: what happened and
// what to do, with no Go error text, no URL or method, no socket or
// certificate jargon and no internal field keys. The workstation and
// ckadmin both show errors through it, so a failure reads the same in both
// (only the advice differs: a flag for ckadmin, a button for the
// workstation). An error it does not know is shown as a general sentence
// and its raw text goes to the log.
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

// Logf receives the raw text of errors the package does not recognise.
// It is the standard logger unless a program or test replaces it; LogName
// says where it writes, for the sentences that point there.
var (
	Logf    = log.Printf
	LogName = "the log"
)

// Unknown is the sentence for an error the package cannot explain; its raw
// text is logged.
func Unknown() string {
	return "Something went wrong that Chartkeeper cannot explain; details were written to " + LogName + "."
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
	return Full(text)
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
	return Full(FieldName(fe.Field) + " " + fe.Message)
}

var indexed = regexp.MustCompile(`^(.*?)\[(\d+)\]\.?(.*)$`)

// FieldName is a field key in words: "diagnoses[1].code" is "code of
// diagnosis line 2"; plain names ("birth date") stay as they are.
func FieldName(key string) string {
	m := indexed.FindStringSubmatch(key)
	if m == nil {
		return strings.ReplaceAll(key, "_", " ")
	}
	n, _ := strconv.Atoi(m[2])
	list := strings.TrimSuffix(m[1], "s")
	if strings.HasSuffix(m[1], "oses") { // diagnoses, prognoses
		list = strings.TrimSuffix(m[1], "es") + "is"
	}
	line := fmt.Sprintf("%s line %d", list, n+1)
	if m[3] == "" {
		return line
	}
	return FieldName(m[3]) + " of " + line
}

// Validation is a refused record with each field's problem, one sentence
// each: "The filing was not saved. Category is required."
func Validation(ve *chart.ValidationError) string {
	parts := []string{Full("the " + ve.What + " was not saved")}
	for _, fe := range ve.Fields {
		parts = append(parts, FieldMessage(fe))
	}
	return strings.Join(parts, " ")
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
		return "Stopped before it finished; nothing more was done."
	}
	if p := syncclient.CertProblem(err); p != "" {
		return certSentence(a, p, host(err))
	}
	switch {
	case errors.As(err, &se):
		return serverSentence(a, se)
	case errors.As(err, &dns):
		return fmt.Sprintf("Cannot find the sync server %s: that name is not known on this network. Check the server address%s", dns.Name, later(a))
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("Cannot reach the sync server at %s (nothing is listening there). Check that chartkeeperd is running%s", host(err), later(a))
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return fmt.Sprintf("Cannot reach the sync server at %s: this computer has no network route to it. Check the network connection%s", host(err), later(a))
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return fmt.Sprintf("The sync server at %s did not answer in time. Check the network and that chartkeeperd is running%s", host(err), later(a))
	case errors.As(err, &ue), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, net.ErrClosed), errors.Is(err, syscall.EPIPE):
		if h := host(err); h != "" {
			return fmt.Sprintf("The connection to the sync server at %s broke off. Try again in a moment%s", h, later(a))
		}
	}
	if s := diskSentence(a, err); s != "" {
		return s
	}
	switch {
	case errors.As(err, &pe):
		Logf("chartkeeper: file error: %v", err)
		what, ok := fileOps[pe.Op]
		if !ok {
			what = "use"
		}
		return fmt.Sprintf("Could not %s %s; details were written to %s. Check that the folder exists and that this computer account may use it.", what, pe.Path, LogName)
	case errors.Is(err, store.ErrTampered):
		if a == Admin {
			return "Stored data failed its integrity check (changed, moved or damaged). Run 'ckadmin verify' to see what is damaged, and restore from a backup."
		}
		return "Stored data failed its integrity check (changed, moved or damaged). Ask your health information manager to check the practice and restore from a backup."
	}
	return ""
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// later is the workstation's reassurance after a failure to reach the server.
func later(a Audience) string {
	if a == Workstation {
		return "; your changes are kept and will be sent later."
	}
	return "."
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

func certSentence(a Audience, problem, host string) string {
	where := "The sync server"
	if host != "" {
		where = "The sync server at " + host
	}
	switch problem {
	case syncclient.CertPinMismatch:
		if a == Admin {
			return "The server's certificate is not the one you pinned (a different server, or someone in between). Pass --fingerprint as chartkeeperd printed it."
		}
		return where + " shows a different certificate than the one this workstation trusts (a different server, or someone in between). Nothing was sent. Ask your administrator to check the server."
	case syncclient.CertUnknownAuthority, syncclient.CertInvalid, syncclient.CertWrongName:
		if a == Admin {
			return where + " has a certificate this computer cannot check. Pass --fingerprint with the fingerprint chartkeeperd printed when it started."
		}
		return where + " has a certificate this workstation cannot check. Join with the fingerprint chartkeeperd printed when it started."
	case syncclient.CertNotTLS:
		return where + " did not answer as a secure sync server. Check the address and port."
	}
	return where + " refused the secure connection. Check the address and port, and that this is the practice's sync server."
}

func serverSentence(a Audience, se *syncclient.ServerError) string {
	switch {
	case errors.Is(se, syncproto.ErrQuotaExceeded):
		if a == Admin {
			return "The practice's storage on the sync server is full. Raise its quota on the server (chartkeeperd) or remove old documents."
		}
		return "The practice's storage on the sync server is full; your changes are kept on this workstation. Ask your administrator to make room on the server."
	case errors.Is(se, syncproto.ErrDeviceRevoked):
		if a == Admin {
			return "This device has been revoked on the sync server. Enroll it again with a new code from 'ckadmin enroll issue'."
		}
		return "This workstation has been revoked on the sync server, so it no longer syncs. Ask your health information manager for a new enrollment code."
	case errors.Is(se, syncproto.ErrUnknownDevice):
		return "The sync server does not know this workstation (it was removed, or the server's data was reset). Enroll it again."
	case se.Status == http.StatusTooManyRequests:
		return "The sync server is busy. It will be tried again shortly."
	case se.Status >= 500:
		return fmt.Sprintf("The sync server had a problem of its own (status %d). Try again later; if it lasts, its administrator will find the cause in chartkeeperd's log.", se.Status)
	}
	msg := se.Msg
	if msg == "" || Raw(msg) != "" || msg == http.StatusText(se.Status) {
		Logf("chartkeeper: sync server refused (%d): %s", se.Status, se.Msg)
		return fmt.Sprintf("The sync server refused the request (status %d); details were written to the log.", se.Status)
	}
	return "The sync server refused: " + Full(msg)
}

// diskSentence explains a full, read-only or forbidden data folder.
func diskSentence(a Audience, err error) string {
	path := ""
	var pe *fs.PathError
	if errors.As(err, &pe) {
		path = pe.Path
	}
	where := "the data folder"
	if path != "" {
		where = path
	}
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return "The disk is full, so nothing could be written to " + where + ". Free some space and try again; what you typed is still on the screen."
	case errors.Is(err, syscall.EROFS):
		return Capital(where) + " is on a disk that cannot be written to (read-only). Use a data folder on a writable disk."
	case errors.Is(err, fs.ErrPermission):
		return "Chartkeeper is not allowed to write to " + where + ". Ask whoever looks after this computer to give your account access to it."
	case errors.Is(err, syscall.ENOTDIR) && path != "":
		return "Part of " + path + " is a file where a folder was expected. Check the name and try again."
	case errors.Is(err, syscall.EISDIR) && path != "":
		return path + " is a folder where a file was expected. Check the name and try again."
	case errors.Is(err, fs.ErrNotExist) && path != "":
		return "There is no file or folder at " + path + ". Check the name and try again."
	}
	return ""
}

// fileOps words the operations of fs.PathError.
var fileOps = map[string]string{"open": "open", "mkdir": "create the folder", "write": "write to", "read": "read",
	"remove": "remove", "rename": "rename", "stat": "find", "lstat": "find", "chmod": "change the permissions of",
	"create": "create", "sync": "save", "truncate": "write to", "readdirent": "list", "readdir": "list"}

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
