package i18ncheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// langPackage is Fyne's translation package, which the small tree's
// screen imports; this package itself imports no Fyne.
const langPackage = "fyne.io/" + "fyne/v2/lang"

// TestRules checks the checker itself on a small tree: each rule finds
// what it must and leaves alone what it must.
func TestRules(t *testing.T) {
	root := t.TempDir()
	write := func(rel, text string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(text, "LANG_PACKAGE", langPackage)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ui/screen.go", `package ui

import (
	"fmt"
	"log"
	"time"

	"LANG_PACKAGE"
)

type row struct {
	Name string `+"`json:\"name\"`"+`
}

func screen(a app, n int, err error) {
	_ = lang.L("Documents to file")
	_ = fmt.Sprintf(lang.L("%d documents to file"), n)
	_ = lang.X("visit.title", "Visit")
	_ = "Untranslated label"
	_ = "Save"
	_ = "two words"
	_ = "Skipped text" // i18n:skip
	_ = "Skipped with a reason" // i18n:skip: a test hook
	_ = "Not skipped" // i18n:skipped
	log.Printf("Logged %v", err)
	_ = time.Now().Format("2006-01-02 15:04")
	_ = "Mon 2 Jan 2006"
	a.Preferences().SetString("lastUser", "x")
	_ = "identifier"
	_ = "camelCase"
	_ = "%s: %d"
	_ = "https://example.org/Path"
	_ = "/usr/share/Fonts"
	_ = "Report.pdf"
	_ = "chartkeeper.Language"
}
`)
	write("ui/script.go", `package ui

var _ = "Not shown at all"
`)
	write("ui/screen_test.go", `package ui

var _ = "A test's text"
`)
	write("internal/plain/plain.go", `package plain

func T(s string) string { return s }

var _ = T("The visit was not saved.")
`)
	write("report/labels.go", `package report

type p struct{}

func (p) tr(s string) string { return s }

func f(x p) { _ = x.tr("Date of birth: %s") }
`)
	write("scan/reasons.go", `package scan

func T(key string, args ...any) string { return key }

func problemf(format string, args ...any) error { return nil }

var _ = problemf("the PDF says it has %d pages", 3)
var _ = T("the file went away before it was read")
`)
	write("store/verify.go", `package store

func T(s string) string { return s }

type report struct{}

func (*report) problem(format string, args ...any) {}

func check(r *report, err error) {
	r.problem(T("record %s: head revision %s is missing"), "a", "b")
	r.problem("%v", err)
	r.problem("blob %s: missing from the content index", "c")
}
`)
	write("ui/translations/core.fr.json", `{"Documents to file": "Documents à classer", "%d documents to file": "%d documents", "Date of birth: %s": "Né(e) le %d"}`)
	write("ui/translations/chart.fr.json", `{"Documents to file": "Pièces à classer"}`)

	src, err := FindSources(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(src.Shown, ",") != "ui/screen.go" {
		t.Errorf("shown files %v, want only ui/screen.go", src.Shown)
	}
	findings, keys, err := ScanFile(root, "ui/screen.go")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range findings {
		got = append(got, f.Text)
	}
	want := []string{"Untranslated label", "Save", "two words", "Not skipped"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("findings %q, want %q", got, want)
	}
	if len(findings) > 0 && findings[0].String() != `ui/screen.go:19: "Untranslated label"` {
		t.Errorf("finding reads %s", findings[0])
	}
	var kt []string
	for _, k := range keys {
		kt = append(kt, k.Text)
	}
	if strings.Join(kt, "|") != "Documents to file|%d documents to file|visit.title" {
		t.Errorf("keys %q", kt)
	}
	var more []string
	for _, rel := range src.Keyed {
		k, err := KeyedFile(root, rel)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range k {
			more = append(more, k.Text)
		}
	}
	if strings.Join(more, "|") != "The visit was not saved.|Date of birth: %s|the PDF says it has %d pages|the file went away before it was read|record %s: head revision %s is missing" {
		t.Errorf("T/tr keys %q", more)
	}
	unmarked, err := UnmarkedProblems(root, "store/verify.go")
	if err != nil {
		t.Fatal(err)
	}
	if len(unmarked) != 1 || unmarked[0].String() != `store/verify.go:12: "blob %s: missing from the content index"` {
		t.Errorf("unmarked problems %v, want the blob's", unmarked)
	}

	tr, errs := LoadTranslations(filepath.Join(root, "ui", "translations"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if !tr.Has("fr", "Documents to file") || tr.Has("es", "Documents to file") || tr.Has("fr", "visit.title") {
		t.Error("Has is wrong")
	}
	if SameVerbs("Date of birth: %s", "Né(e) le %d") {
		t.Error("the verbs s and d read as the same")
	}
	if !SameVerbs("%s of %d", "%[2]d de %[1]s") || !SameVerbs("%.1f kg", "%.1f kg") || SameVerbs("%.1f kg", "%.0f kg") {
		t.Error("explicit indexes or precision are compared wrongly")
	}
	if !SameVerbs("100%% done: %s", "%s : terminé à 100 %%") {
		t.Error("a doubled percent sign counts as a verb")
	}
}

func TestLooksLikeText(t *testing.T) {
	for s, want := range map[string]bool{
		"Save":                           true,
		"Documents to file":              true,
		"two words":                      true,
		"MRN":                            true,
		"%d documents":                   true,
		"Date/Time":                      true,
		"save":                           false,
		"lastUser":                       false,
		"chart.view":                     false,
		"%s (%d)":                        false,
		"2006-01-02":                     false,
		"02/01/2006 15:04":               false,
		"https://x.example/A":            false,
		"C:\\Program Files\\Chartkeeper": false,
		"Chartkeeper.exe":                false,
		"-":                              false,
		"":                               false,
	} {
		if got := LooksLikeText(s); got != want {
			t.Errorf("LooksLikeText(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestReservedKeys: go-i18n reads a flat entry named like one of its
// message fields as that field and rejects the file, so the checker asks
// for the object form.
func TestReservedKeys(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "desk.fr.json"), []byte(`{"Description": "Description", "Other": {"other": "Autre"}, "Save": "Enregistrer"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tr, errs := LoadTranslations(dir)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), `"Description"`) {
		t.Errorf("errors %v, want one about \"Description\"", errs)
	}
	if !tr.Has("fr", "Other") || !tr.Has("fr", "Save") || tr.Has("fr", "Description") {
		t.Errorf("entries %v", tr.ByLang["fr"])
	}
}
