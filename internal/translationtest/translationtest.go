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

// Messages is the translations into language lng of the given areas of
// the workstation's translation files, ui/translations/<area>.<lng>.json
// ("messages" when no area is given), as one table from key to
// translation. An entry is a string or, for a key go-i18n reserves as a
// field name, {"other": "…"}; the table holds its "other" form.
func Messages(t testing.TB, lng string, areas ...string) map[string]string {
	t.Helper()
	if len(areas) == 0 {
		areas = []string{"messages"}
	}
	m := map[string]string{}
	for _, area := range areas {
		name := area + "." + lng + ".json"
		b, err := os.ReadFile(filepath.Join(moduleRoot(t), "ui", "translations", name))
		if err != nil {
			t.Fatal(err)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for k, v := range raw {
			var s string
			if json.Unmarshal(v, &s) != nil {
				var forms map[string]string
				if err := json.Unmarshal(v, &forms); err != nil {
					t.Fatalf("%s: %q: %v", name, k, err)
				}
				s = forms["other"]
			}
			m[k] = s
		}
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
