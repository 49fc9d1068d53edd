package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/internal/testchart"
	"chartkeeper/internal/testpractice"
	"chartkeeper/store"
)

const testPassword = "correct horse battery staple"

// practice is a data folder with a practice of four users, one per role,
// and one patient with an allergy.
type practice struct {
	dir     string
	patient chart.Patient
}

func newPractice(t *testing.T) *practice {
	t.Helper()
	tc := testchart.New(t, testpractice.Config{Name: "Riverside Clinic", AdminName: "Maria Lopez", AdminUser: "mlopez", Password: testPassword,
		Users: []store.NewUser{
			{Username: "drsmith", Name: "Dana Smith", Role: store.RoleClinician},
			{Username: "desk", Name: "Sam Desk", Role: store.RoleFrontDesk},
			{Username: "coder", Name: "Kim Coder", Role: store.RoleCoder},
		}})
	defer tc.Close()
	p, _, err := tc.Service.RegisterPatient(chart.Patient{Family: "Okafor", Given: "Chidi", DOB: "1975-03-02", Sex: chart.Male, Phone: "555-0100"})
	if err != nil {
		t.Fatal(err)
	}
	if err := tc.AsUser("drsmith").Save(&chart.Allergy{Meta: chart.Meta{Patient: p.ID}, Substance: "Penicillin", Severity: "severe", Status: "active"}); err != nil {
		t.Fatal(err)
	}
	return &practice{dir: tc.Dir, patient: p}
}

// open shows the workstation on dir in a headless window.
func open(t *testing.T, dir string) (*workstation, fyne.Window) {
	t.Helper()
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	ws, content := create(a, w, dir)
	w.SetContent(content)
	w.Resize(fyne.NewSize(1600, 900)) // wide enough for every header button
	return ws, w
}

// signInAs signs in through the sign-in screen.
func signInAs(t testing.TB, w fyne.Window, username, password string) {
	t.Helper()
	user := find[*widget.SelectEntry](t, w.Content(), func(*widget.SelectEntry) bool { return true })
	user.SetText(username)
	pw := find(t, w.Content(), func(e *entry) bool { return e.Password })
	test.Type(pw, password)
	pw.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
}

// sessionOf returns the signed-in session.
func sessionOf(t *testing.T, ws *workstation) *session {
	t.Helper()
	if ws.sess == nil {
		t.Fatalf("nobody is signed in; the window shows:\n%s", strings.Join(texts(ws.win.Content()), "\n"))
	}
	return ws.sess
}

// walk visits every visible object under o, widgets' parts included.
func walk(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	fn(o)
	switch c := o.(type) {
	case fyne.Widget:
		for _, ch := range test.WidgetRenderer(c).Objects() {
			walk(ch, fn)
		}
	case *fyne.Container:
		for _, ch := range c.Objects {
			walk(ch, fn)
		}
	}
}

// find returns the first visible object of type T under o that ok accepts.
func find[T fyne.CanvasObject](t testing.TB, o fyne.CanvasObject, ok func(T) bool) T {
	t.Helper()
	var found T
	var hit bool
	walk(o, func(c fyne.CanvasObject) {
		if v, is := c.(T); is && !hit && ok(v) {
			found, hit = v, true
		}
	})
	if !hit {
		t.Fatalf("no %T found; the screen shows:\n%s", found, strings.Join(texts(o), "\n"))
	}
	return found
}

// button returns the visible button with the given text, a dialog's
// buttons included.
func button(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	b := find(t, o, func(c fyne.CanvasObject) bool { return asButton(c) != nil && asButton(c).Text == text })
	return asButton(b)
}

// asButton is the button c is, or nil.
func asButton(c fyne.CanvasObject) *widget.Button {
	switch b := c.(type) {
	case *widget.Button:
		return b
	case *keyButton:
		return &b.Button
	}
	return nil
}

// entryWith returns the visible entry with the given placeholder.
func entryWith(t *testing.T, o fyne.CanvasObject, placeholder string) *entry {
	t.Helper()
	return find(t, o, func(e *entry) bool { return e.PlaceHolder == placeholder })
}

// hasButton reports whether a visible button has the given text.
func hasButton(o fyne.CanvasObject, text string) bool {
	found := false
	walk(o, func(c fyne.CanvasObject) {
		if b := asButton(c); b != nil && b.Text == text {
			found = true
		}
	})
	return found
}

// texts returns the text of every visible label (and rich text, such as
// the allergy banner) under o.
func texts(o fyne.CanvasObject) []string {
	var out []string
	walk(o, func(c fyne.CanvasObject) {
		if l, ok := c.(*widget.Label); ok && l.Text != "" {
			out = append(out, l.Text)
		}
		if rt, ok := c.(*widget.RichText); ok && rt.String() != "" {
			out = append(out, rt.String())
		}
	})
	return out
}

// wantText fails unless a visible label under o contains want.
func wantText(t *testing.T, o fyne.CanvasObject, want string) {
	t.Helper()
	got := texts(o)
	for _, s := range got {
		if strings.Contains(s, want) {
			return
		}
	}
	t.Errorf("no label shows %q; the screen shows:\n%s", want, strings.Join(got, "\n"))
}

// noText fails if a visible label under o contains text.
func noText(t *testing.T, o fyne.CanvasObject, text string) {
	t.Helper()
	for _, s := range texts(o) {
		if strings.Contains(s, text) {
			t.Errorf("a label still shows %q: %q", text, s)
		}
	}
}

// dialogOn returns the top overlay of w (a dialog), failing when there is none.
func dialogOn(t *testing.T, w fyne.Window) fyne.CanvasObject {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog is shown")
	}
	return top
}

func shortcut(w fyne.Window, s fyne.Shortcut) {
	w.Canvas().(fyne.Shortcutable).TypedShortcut(s)
}

type (
	widgetButton = widget.Button
	widgetCheck  = widget.Check
)

func contains(s, sub string) bool { return strings.Contains(s, sub) }
