package i18ncheck

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// repoRoot is the repository's root: two levels up from this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("the repository root was not found above %s: %v", root, err)
	}
	return root
}

// onlyFiles is I18N_FILES as a set of base names (empty: every file).
func onlyFiles() map[string]bool {
	only := map[string]bool{}
	for _, f := range strings.Split(os.Getenv("I18N_FILES"), ",") {
		if f = strings.TrimSpace(f); f != "" {
			only[filepath.Base(f)] = true
		}
	}
	return only
}

// TestTranslations fails for each shown literal that is not translated,
// each store problem's sentence not marked with T,
// each key with no entry in one of the languages, each translation whose
// fmt verbs differ from its key's, and each key translated differently in
// two areas of one language. I18N_FILES=a.go,b.go limits it to those files.
func TestTranslations(t *testing.T) {
	root := repoRoot(t)
	only := onlyFiles()
	src, err := FindSources(root, only)
	if err != nil {
		t.Fatal(err)
	}
	if len(only) > 0 && len(src.Shown)+len(src.Keyed) == 0 {
		t.Fatalf("I18N_FILES=%s names no file the checker reads", os.Getenv("I18N_FILES"))
	}

	// 1. Shown text that is not translated.
	var keys []Key
	for _, rel := range src.Shown {
		findings, k, err := ScanFile(root, rel)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		for _, f := range findings {
			t.Errorf("%s: not translated (wrap it in lang.L, or end the line with // i18n:skip if it is not shown)", f)
		}
		keys = append(keys, k...)
	}
	for _, rel := range src.Keyed {
		k, err := KeyedFile(root, rel)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		keys = append(keys, k...)
		unmarked, err := UnmarkedProblems(root, rel)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
		}
		for _, f := range unmarked {
			t.Errorf("%s: a problem the workstation shows is not marked (write it as T(\"…\") and translate it)", f)
		}
	}

	// 2. Keys without a translation.
	tr, errs := LoadTranslations(filepath.Join(root, "ui", "translations"))
	for _, err := range errs {
		t.Errorf("ui/translations/%v", err)
	}
	first := map[string]Key{}
	var order []string
	for _, k := range keys {
		if _, ok := first[k.Text]; !ok {
			first[k.Text] = k
			order = append(order, k.Text)
		}
	}
	for _, key := range order {
		k := first[key]
		var missing []string
		for _, l := range Languages {
			if !tr.Has(l, key) {
				missing = append(missing, l)
			}
		}
		if len(missing) > 0 {
			t.Errorf("%s:%d: %q has no translation in %s", k.File, k.Line, key, strings.Join(missing, ", "))
		}
	}

	// 3. Verbs that differ, and 4. one key translated two ways in a language.
	inScope := func(key string) bool {
		if len(only) == 0 {
			return true
		}
		_, ok := first[key]
		return ok
	}
	for _, l := range Languages {
		areas := make([]string, 0, len(tr.ByLang[l]))
		for a := range tr.ByLang[l] {
			areas = append(areas, a)
		}
		sort.Strings(areas)
		seen := map[string]string{} // key -> area of its first translation
		for _, area := range areas {
			entries := tr.ByLang[l][area]
			file := tr.Files[l][area]
			ks := make([]string, 0, len(entries))
			for k := range entries {
				ks = append(ks, k)
			}
			sort.Strings(ks)
			for _, key := range ks {
				if !inScope(key) {
					continue
				}
				for _, v := range entries[key] {
					if !SameVerbs(key, v) {
						t.Errorf("ui/translations/%s: %q: the translation %q has verbs %v, the key has %v",
							file, key, v, Verbs(v), Verbs(key))
					}
				}
				if other, ok := seen[key]; ok {
					a, b := strings.Join(tr.ByLang[l][other][key], " | "), strings.Join(entries[key], " | ")
					if a != b {
						t.Errorf("ui/translations/%s and %s: %q is translated as %q and as %q",
							tr.Files[l][other], file, key, a, b)
					}
				} else {
					seen[key] = area
				}
			}
		}
	}
	if !t.Failed() {
		t.Logf("%d shown files, %d other files, %d keys, all translated into %s",
			len(src.Shown), len(src.Keyed), len(order), strings.Join(Languages, ", "))
	}
}
