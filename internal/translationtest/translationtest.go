// Package translationtest reads the workstation's translation files for
// the tests of packages whose sentences the workstation shows or prints
// (internal/plain, report), which cannot import ui (it brings in Fyne).
package translationtest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Messages is ui/translations/messages.<lng>.json as a table from key to
// translation. An entry is a string or, for a key go-i18n reserves as a
// field name, {"other": "…"}; the table holds its "other" form.
func Messages(t testing.TB, lng string) map[string]string {
	t.Helper()
	file := filepath.Join(moduleRoot(t), "ui", "translations", "messages."+lng+".json")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("%s: %v", filepath.Base(file), err)
	}
	m := make(map[string]string, len(raw))
	for k, v := range raw {
		var s string
		if json.Unmarshal(v, &s) != nil {
			var forms map[string]string
			if err := json.Unmarshal(v, &forms); err != nil {
				t.Fatalf("%s: %q: %v", filepath.Base(file), k, err)
			}
			s = forms["other"]
		}
		m[k] = s
	}
	return m
}

// moduleRoot is the folder of go.mod at or above the test's working
// folder (its package's).
func moduleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = up
	}
}
