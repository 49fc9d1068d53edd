package chart

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"chartkeeper/internal/testpractice"
	"chartkeeper/store"
)

// clock is a settable clock shared by the store and the service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// practice is a test practice with one user of each role.
type practice struct {
	t   testing.TB
	tp  *testpractice.Practice
	st  *store.Store
	svc *Service
	clk *clock
}

func newPractice(t testing.TB) *practice {
	t.Helper()
	clk := &clock{t: time.Date(2026, 5, 14, 9, 30, 0, 0, time.UTC)}
	tp := testpractice.New(t, testpractice.Config{Name: "Cabinet Test Ñandú", AdminName: "Hilde Testmanager",
		Roles: testpractice.OtherRoles, Options: StoreOptions(store.WithClock(clk.now))})
	svc, err := Open(tp.Store, WithClock(clk.now))
	if err != nil {
		t.Fatal(err)
	}
	return &practice{t: t, tp: tp, st: tp.Store, svc: svc, clk: clk}
}

// as signs the user of role in.
func (p *practice) as(role store.Role) *Service {
	p.t.Helper()
	p.tp.SignInAs(role)
	return p.svc
}

// patient registers a patient as the HIM manager and returns it.
func (p *practice) patient(family, given, dob string) Patient {
	p.t.Helper()
	p.as(store.RoleHIM)
	pt, _, err := p.svc.RegisterPatient(Patient{Family: family, Given: given, DOB: dob, Sex: Female, Phone: "+1 555 0100 " + dob[5:7] + dob[8:10]})
	if err != nil {
		p.t.Fatal(err)
	}
	return pt
}

// visit saves an unsigned visit as the clinician.
func (p *practice) visit(pt Patient, date string) Visit {
	p.t.Helper()
	p.as(store.RoleClinician)
	v := Visit{Meta: Meta{Patient: pt.ID}, Date: date, Reason: "Persistent cough", Subjective: "Cough for two weeks.", Assessment: "Probable viral bronchitis.", Plan: "Fluids, review in 10 days."}
	if err := p.svc.SaveVisit(&v); err != nil {
		p.t.Fatal(err)
	}
	return v
}

// auditActions lists the audit log as "username action subject" lines.
func (p *practice) auditLines() []string {
	p.t.Helper()
	var out []string
	read := p.tp.AuditLog
	if p.st != p.tp.Store { // another workstation's store, with its HIM manager signed in
		read = func(fn func(store.AuditEvent) error) error { return p.st.AuditLog(1, fn) }
	}
	err := read(func(ev store.AuditEvent) error {
		if ev.Action != "login" && ev.Action != "logout" { // reading signs the HIM manager in and out
			out = append(out, ev.Username+" "+ev.Action+" "+ev.Subject)
		}
		return nil
	})
	if err != nil {
		p.t.Fatal(err)
	}
	return out
}

func (p *practice) wantAudit(line string) {
	p.t.Helper()
	for _, l := range p.auditLines() {
		if l == line {
			return
		}
	}
	p.t.Errorf("audit log lacks %q", line)
}

func wantPermission(t *testing.T, what string, err error, who string) {
	t.Helper()
	var pe *PermissionError
	if !errors.As(err, &pe) || !errors.Is(err, store.ErrPermission) {
		t.Fatalf("%s: want a permission error, got %v", what, err)
	}
	if !strings.Contains(err.Error(), who) {
		t.Errorf("%s: %q does not say that %s may", what, err, who)
	}
}

func wantField(t *testing.T, err error, field, msg string) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a validation error on %s, got %v", field, err)
	}
	if got := ve.Field(field); !strings.Contains(got, msg) {
		t.Errorf("field %s: got %q, want it to contain %q (all: %v)", field, got, msg, err)
	}
	if !errors.Is(err, store.ErrInvalid) {
		t.Errorf("validation error does not match store.ErrInvalid")
	}
}
