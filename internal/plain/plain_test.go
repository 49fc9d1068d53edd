package plain

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"chartkeeper/chart"
	"chartkeeper/store"
	"chartkeeper/syncclient"
)

func TestSentences(t *testing.T) {
	old := Logf
	Logf = func(string, ...any) {}
	defer func() { Logf = old }()
	// A real refused connection: port 9 (discard) has nothing listening.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "https://127.0.0.1:9/v1/register", nil)
	_, dialErr := http.DefaultClient.Do(req)
	if dialErr == nil {
		t.Skip("something listens on port 9")
	}
	cases := []struct {
		err  error
		want string
	}{
		{dialErr, "Cannot reach the sync server at 127.0.0.1:9 (nothing is listening there). Check that chartkeeperd is running; your changes are kept and will be sent later."},
		{fmt.Errorf("registering: %w", syncclient.ErrFingerprint), "different certificate"},
		{&chart.ValidationError{What: "filing", Fields: []chart.FieldError{{Field: "category", Message: "is required"}}}, "The filing was not saved. Category is required."},
		{&chart.ValidationError{What: "visit", Fields: []chart.FieldError{{Field: "diagnoses[2].code", Message: "is not a known code"}}}, "Code of diagnosis line 2 is not a known code."},
		{&fs.PathError{Op: "open", Path: "/data/x", Err: syscall.EROFS}, "/data/x is on a disk that cannot be written to"},
		{&fs.PathError{Op: "write", Path: "/data/x", Err: syscall.ENOSPC}, "The disk is full"},
		{&fs.PathError{Op: "open", Path: "/data/x", Err: syscall.EACCES}, "not allowed to write to /data/x"},
		{&syncclient.ServerError{Status: http.StatusInsufficientStorage, Msg: "x"}, "storage on the sync server is full"},
		{&syncclient.ServerError{Status: http.StatusForbidden, Msg: "this device has been revoked"}, "revoked"},
		{fmt.Errorf("opening: %w", store.ErrTampered), "integrity check"},
		{store.ErrPermission, "Your role does not allow this."},
		{errors.New("unexpected EOF in 0x1234"), Unknown()},
	}
	for _, c := range cases {
		got := Sentence(Workstation, c.err)
		if !strings.Contains(got, c.want) {
			t.Errorf("Sentence(%v)\n got %q\nwant %q", c.err, got, c.want)
		}
		if f := Raw(got); f != "" {
			t.Errorf("Sentence(%v) = %q holds %q", c.err, got, f)
		}
	}
	if got := Sentence(Admin, syncclient.ErrFingerprint); !strings.Contains(got, "Pass --fingerprint as chartkeeperd printed it.") {
		t.Errorf("admin pin mismatch: %q", got)
	}
}

func TestRaw(t *testing.T) {
	for _, s := range []string{`Post "https://127.0.0.1:9/v1/register": dial tcp 127.0.0.1:9: connect: connection refused`,
		"the filing was not saved: category: is required", "Reason: is required.",
		"tls: failed to verify certificate: x509: certificate signed by unknown authority", "<nil>", "*chart.ValidationError"} {
		if Raw(s) == "" {
			t.Errorf("Raw(%q) found nothing", s)
		}
	}
	for _, s := range []string{"Cannot reach the sync server at 127.0.0.1:9 (nothing is listening there).", "The filing was not saved. Category is required."} {
		if f := Raw(s); f != "" {
			t.Errorf("Raw(%q) = %q", s, f)
		}
	}
}

func TestFull(t *testing.T) {
	for in, want := range map[string]string{
		"wrong password": "Wrong password.", "done.": "Done.", "why?": "Why?",
		"(a note.)": "(a note.)", "a (note)": "A (note).", " ": "",
	} {
		if got := Full(in); got != want {
			t.Errorf("Full(%q) = %q, want %q", in, got, want)
		}
	}
}
