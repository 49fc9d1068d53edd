package i18ncheck

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Languages are the languages every key must be translated into (English
// needs no file: the key is the English text).
var Languages = []string{"fr", "es", "pt", "sw"}

// Finding is a literal that looks like shown text and is not translated.
type Finding struct {
	File string // relative to the repository root, slash-separated
	Line int
	Text string
}

func (f Finding) String() string { return fmt.Sprintf("%s:%d: %q", f.File, f.Line, f.Text) }

// Key is a translation key and where it was found (its first use).
type Key struct {
	Text string
	File string
	Line int
}

// Sources lists the files the checker reads, relative to root.
type Sources struct {
	Shown []string // ui/*.go and cmd/chartkeeper/*.go: literal scan and lang keys
	Keyed []string // internal/plain, report, chart, scan, store: T / tr / problemf keys
}

// notShown are files of the shown packages that show no text.
var notShown = map[string]bool{
	"ui/script.go":              true, // the test script's commands
	"cmd/chartkeeper/script.go": true,
	"cmd/chartkeeper/smoke.go":  true, // the smoke test's screenshot
}

// FindSources lists the Go files the checker reads under root. only, when
// not empty, keeps files whose base name is in it.
func FindSources(root string, only map[string]bool) (Sources, error) {
	var s Sources
	list := func(dir string) ([]string, error) {
		m, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
		if err != nil {
			return nil, err
		}
		var out []string
		for _, f := range m {
			base := filepath.Base(f)
			if strings.HasSuffix(base, "_test.go") {
				continue
			}
			if len(only) > 0 && !only[base] {
				continue
			}
			out = append(out, dir+"/"+base)
		}
		sort.Strings(out)
		return out, nil
	}
	for _, dir := range []string{"ui", "cmd/chartkeeper"} {
		fs, err := list(dir)
		if err != nil {
			return s, err
		}
		for _, f := range fs {
			if !notShown[f] {
				s.Shown = append(s.Shown, f)
			}
		}
	}
	for _, dir := range keyedDirs {
		fs, err := list(dir)
		if err != nil {
			return s, err
		}
		s.Keyed = append(s.Keyed, fs...)
	}
	return s, nil
}

// keyedDirs are the packages that cannot import Fyne and whose sentences
// the workstation shows: each marks its English sentences with a call to
// a function named T or tr (scan also with problemf, which makes a
// refusal's reason), whose literal first argument is a key.
var keyedDirs = []string{"internal/plain", "report", "chart", "scan", "store"}

// langFuncs are the lang package's translating functions: a literal inside
// their call is translated, and their literal first argument is a key.
func isLangCall(call *ast.CallExpr) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	if !ok || x.Name != "lang" {
		return false
	}
	switch n := sel.Sel.Name; {
	case n == "L", n == "X", n == "N", strings.HasPrefix(n, "Localize"):
		return true
	}
	return false
}

// isTrCall reports a call to a function or method named T, tr, problemf
// or trLater (a key kept to be translated when it is shown, e.g. report's
// names of printed fields), the marking calls of the packages in keyedDirs.
func isTrCall(call *ast.CallExpr) bool {
	switch f := call.Fun.(type) {
	case *ast.Ident:
		return markers[f.Name]
	case *ast.SelectorExpr:
		return markers[f.Sel.Name]
	}
	return false
}

var markers = map[string]bool{"T": true, "tr": true, "problemf": true, "trLater": true}

// quietCall reports a call whose literal arguments are never shown: log
// lines, error matching, environment and preference keys, test hooks.
func quietCall(call *ast.CallExpr) bool {
	switch f := call.Fun.(type) {
	case *ast.SelectorExpr:
		name := f.Sel.Name
		if x, ok := f.X.(*ast.Ident); ok {
			switch x.Name {
			case "log", "t", "b", "tb", "slog":
				return true
			case "fyne":
				return name == "LogError"
			case "errors":
				return name == "Is" || name == "As"
			case "plain":
				return name == "Logf"
			case "os":
				switch name {
				case "Getenv", "LookupEnv", "Setenv", "Unsetenv", "Open", "Create", "OpenFile",
					"ReadFile", "WriteFile", "MkdirAll", "Mkdir", "Remove", "RemoveAll", "Stat",
					"Lstat", "ReadDir", "MkdirTemp", "CreateTemp", "Rename":
					return true
				}
			case "filepath", "path":
				return true
			case "exec", "flag":
				return true
			case "strings":
				switch name {
				case "HasPrefix", "HasSuffix", "TrimPrefix", "TrimSuffix", "Contains",
					"ContainsAny", "Split", "SplitN", "Index", "LastIndex", "Trim", "TrimLeft",
					"TrimRight", "Cut", "ContainsRune", "IndexAny", "Count", "EqualFold",
					"NewReplacer", "Fields", "CutPrefix", "CutSuffix", "Replace", "ReplaceAll":
					return true
				}
			case "regexp":
				return true
			case "time":
				return name == "Parse" || name == "ParseInLocation" || name == "ParseDuration"
			}
		}
		switch name {
		case "Getenv", "LookupEnv", "Logf", "Printf", "Println":
			return true
		case "Format", "AppendFormat":
			return len(call.Args) == 1 // a time layout
		case "SetCookie", "Header", "Get", "Set", "Add", "Del", "Query", "QueryEscape", "Expect":
			return isHTTPish(f.X)
		}
		if prefMethods[name] && isPrefs(f.X) {
			return true
		}
	case *ast.Ident:
		switch f.Name {
		case "logf", "debugf", "tracef":
			return true
		}
	}
	return false
}

var prefMethods = map[string]bool{
	"Bool": true, "BoolWithFallback": true, "SetBool": true,
	"Float": true, "FloatWithFallback": true, "SetFloat": true,
	"Int": true, "IntWithFallback": true, "SetInt": true,
	"String": true, "StringWithFallback": true, "SetString": true,
	"StringList": true, "StringListWithFallback": true, "SetStringList": true,
	"IntList": true, "IntListWithFallback": true, "SetIntList": true,
	"FloatList": true, "FloatListWithFallback": true, "SetFloatList": true,
	"BoolList": true, "BoolListWithFallback": true, "SetBoolList": true,
	"RemoveValue": true,
}

// isPrefs reports an expression that reads like the app's preferences.
func isPrefs(e ast.Expr) bool {
	var name string
	switch x := e.(type) {
	case *ast.CallExpr:
		if s, ok := x.Fun.(*ast.SelectorExpr); ok {
			name = s.Sel.Name
		} else if id, ok := x.Fun.(*ast.Ident); ok {
			name = id.Name
		}
	case *ast.Ident:
		name = x.Name
	case *ast.SelectorExpr:
		name = x.Sel.Name
	}
	n := strings.ToLower(name)
	return strings.Contains(n, "pref") || strings.Contains(n, "settings")
}

func isHTTPish(e ast.Expr) bool {
	var name string
	switch x := e.(type) {
	case *ast.Ident:
		name = x.Name
	case *ast.SelectorExpr:
		name = x.Sel.Name
	case *ast.CallExpr:
		if s, ok := x.Fun.(*ast.SelectorExpr); ok {
			name = s.Sel.Name
		}
	}
	switch name {
	case "req", "r", "resp", "Header", "header", "h", "q", "URL", "u":
		return true
	}
	return false
}

var (
	verbRE    = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*(\d+|\*)?(\.(\d+|\*)?)?(\[\d+\])?[a-zA-Z%]`)
	urlRE     = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*://|^mailto:|^www\.`)
	extRE     = regexp.MustCompile(`(?i)^[^\s]+\.(go|json|pdf|png|jpe?g|tiff?|gif|svg|txt|csv|log|db|bolt|toml|xml|html?|zip|exe|ttf|otf|pem|key|crt|md|sh|ps1|lnk|desktop|ini|conf|cfg)$`)
	identRE   = regexp.MustCompile(`^[a-z_][A-Za-z0-9_]*([.:\-/][A-Za-z0-9_]+)*[.:]?$`)
	noSpaceRE = regexp.MustCompile(`^\S+$`)
	indexRE   = regexp.MustCompile(`\[(\d+)\]`)
)

// LooksLikeText reports whether a string literal's value reads as text a
// person would see: it has letters, and either a capital letter or words
// separated by spaces; it is not an identifier, a key, a URL, a file path
// or a time layout.
func LooksLikeText(s string) bool {
	t := strings.TrimSpace(verbRE.ReplaceAllString(s, "0"))
	if !strings.ContainsFunc(t, unicode.IsLetter) {
		return false
	}
	if isTimeLayout(s) || urlRE.MatchString(t) {
		return false
	}
	if noSpaceRE.MatchString(t) {
		// one token: a lowercase word, an identifier or key, a path, an option
		if strings.HasPrefix(t, "-") {
			return false
		}
		if !strings.ContainsFunc(t, unicode.IsUpper) {
			return false
		}
		if identRE.MatchString(t) { // camelCase, dotted.key, a-b:c
			return false
		}
		if extRE.MatchString(t) || isPath(t) {
			return false
		}
		return true
	}
	// several words: text, unless all lowercase with no letters that read
	// as a sentence (a command line, a list of identifiers)
	if isPath(t) {
		return false
	}
	return true
}

func isPath(t string) bool {
	if len(t) > 2 && t[1] == ':' && t[2] == '\\' { // C:\Program Files
		return true
	}
	if strings.ContainsAny(t, " \t\n") {
		return false
	}
	if strings.HasPrefix(t, "/") || strings.HasPrefix(t, "./") || strings.HasPrefix(t, "../") ||
		strings.HasPrefix(t, "~/") || strings.HasPrefix(t, `\\`) {
		return true
	}
	if len(t) > 2 && t[1] == ':' && (t[2] == '\\' || t[2] == '/') { // C:\ or C:/
		return true
	}
	if strings.Count(t, `\`) >= 1 && !strings.ContainsAny(t, " ") {
		return true
	}
	return false
}

// isTimeLayout reports a literal that is a Go time layout: formatting the
// reference time with it gives something other than the literal itself,
// and it names the year, month, day or clock of the reference time.
func isTimeLayout(s string) bool {
	if !strings.Contains(s, "2006") && !strings.Contains(s, "15:04") &&
		!(strings.Contains(s, "01") && strings.Contains(s, "02")) && !strings.Contains(s, "Jan 2") &&
		!strings.Contains(s, "03:04") && !strings.Contains(s, "3:04") {
		return false
	}
	ref := time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)
	other := time.Date(2031, 11, 27, 9, 38, 41, 0, time.UTC)
	return ref.Format(s) != other.Format(s)
}

// skipLines returns the lines of f that end in an "// i18n:skip" comment.
func skipLines(fset *token.FileSet, f *ast.File) map[int]bool {
	lines := map[int]bool{}
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			// "// i18n:skip", optionally followed by a reason
			text := strings.TrimSpace(strings.TrimPrefix(c.Text, "//"))
			if rest, ok := strings.CutPrefix(text, "i18n:skip"); ok && (rest == "" || strings.ContainsRune(" :;-(", rune(rest[0]))) {
				lines[fset.Position(c.Slash).Line] = true
			}
		}
	}
	return lines
}

// ParseFile parses one Go file relative to root.
func ParseFile(root, rel string) (*token.FileSet, *ast.File, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Join(root, filepath.FromSlash(rel)), nil, parser.ParseComments)
	return fset, f, err
}

// ScanFile returns the untranslated text literals of one shown file and
// the keys of its lang calls.
func ScanFile(root, rel string) (findings []Finding, keys []Key, err error) {
	fset, f, err := ParseFile(root, rel)
	if err != nil {
		return nil, nil, err
	}
	skip := skipLines(fset, f)
	// literals not to report: inside translating or quiet calls, struct
	// tags, import paths, constant case labels of switch statements on
	// non-shown values are reported (they are rare and easy to mark).
	quiet := map[*ast.BasicLit]bool{}
	markAll := func(n ast.Node) {
		ast.Inspect(n, func(n ast.Node) bool {
			if bl, ok := n.(*ast.BasicLit); ok {
				quiet[bl] = true
			}
			return true
		})
	}
	for _, imp := range f.Imports {
		quiet[imp.Path] = true
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.Field:
			if x.Tag != nil {
				quiet[x.Tag] = true
			}
		case *ast.CallExpr:
			if isLangCall(x) {
				if len(x.Args) > 0 {
					if k, ok := stringLit(x.Args[0]); ok {
						p := fset.Position(x.Args[0].Pos())
						keys = append(keys, Key{Text: k, File: rel, Line: p.Line})
					}
				}
				markAll(x)
			} else if quietCall(x) {
				for _, a := range x.Args {
					markAll(a)
				}
			}
		}
		return true
	})
	ast.Inspect(f, func(n ast.Node) bool {
		bl, ok := n.(*ast.BasicLit)
		if !ok || bl.Kind != token.STRING || quiet[bl] {
			return true
		}
		start, end := fset.Position(bl.Pos()).Line, fset.Position(bl.End()).Line
		if skip[start] || skip[end] {
			return true
		}
		s, err := strconv.Unquote(bl.Value)
		if err != nil || !LooksLikeText(s) {
			return true
		}
		findings = append(findings, Finding{File: rel, Line: start, Text: s})
		return true
	})
	return findings, keys, nil
}

// KeyedFile returns the keys of one non-shown file: the literal first
// arguments of calls to functions or methods named T, tr or problemf.
func KeyedFile(root, rel string) ([]Key, error) {
	fset, f, err := ParseFile(root, rel)
	if err != nil {
		return nil, err
	}
	var keys []Key
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || !isTrCall(call) || len(call.Args) == 0 {
			return true
		}
		if k, ok := stringLit(call.Args[0]); ok {
			keys = append(keys, Key{Text: k, File: rel, Line: fset.Position(call.Args[0].Pos()).Line})
		}
		return true
	})
	return keys, nil
}

// problemCalls are the store's calls that take a problem's English
// sentence as their first argument: VerifyReport.problem, Problemf and
// tampered (Store.Verify's report, the state digest's checks, the audit
// chain's errors). The workstation shows these problems translated, so a
// sentence given to them must be marked with T.
var problemCalls = map[string]bool{"problem": true, "Problemf": true, "tampered": true}

// UnmarkedProblems returns the literal sentences of one non-shown file
// passed to a problem call without the T marker (a format that is only
// verbs, "%v", is an error's own text and needs none).
func UnmarkedProblems(root, rel string) ([]Finding, error) {
	fset, f, err := ParseFile(root, rel)
	if err != nil {
		return nil, err
	}
	var out []Finding
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		name := ""
		switch fn := call.Fun.(type) {
		case *ast.Ident:
			name = fn.Name
		case *ast.SelectorExpr:
			name = fn.Sel.Name
		}
		if !problemCalls[name] {
			return true
		}
		if s, ok := stringLit(call.Args[0]); ok && LooksLikeText(s) {
			out = append(out, Finding{File: rel, Line: fset.Position(call.Args[0].Pos()).Line, Text: s})
		}
		return true
	})
	return out, nil
}

// stringLit is the value of a string literal, or of literals joined by +.
func stringLit(e ast.Expr) (string, bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(x.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		if x.Op != token.ADD {
			return "", false
		}
		a, ok1 := stringLit(x.X)
		b, ok2 := stringLit(x.Y)
		return a + b, ok1 && ok2
	case *ast.ParenExpr:
		return stringLit(x.X)
	}
	return "", false
}

// Translations are the translation files: language, then area, then key
// to translation (a plural entry's forms are joined as one value each).
type Translations struct {
	// ByLang maps a language to its areas, each area to its entries.
	ByLang map[string]map[string]map[string][]string
	// Files maps language and area to the file's name.
	Files map[string]map[string]string
}

var fileRE = regexp.MustCompile(`^([a-z]+)\.([a-z]{2,3}(?:[-_][A-Za-z]+)?)\.json$`)

// LoadTranslations reads dir's <area>.<lang>.json files. A missing
// directory is no translations.
func LoadTranslations(dir string) (*Translations, []error) {
	tr := &Translations{ByLang: map[string]map[string]map[string][]string{}, Files: map[string]map[string]string{}}
	var errs []error
	m, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	sort.Strings(m)
	for _, path := range m {
		base := filepath.Base(path)
		sub := fileRE.FindStringSubmatch(base)
		if sub == nil {
			errs = append(errs, fmt.Errorf("%s: the name is not <area>.<lang>.json", base))
			continue
		}
		area, lng := sub[1], sub[2]
		known := false
		for _, l := range Languages {
			known = known || l == lng
		}
		if !known {
			errs = append(errs, fmt.Errorf("%s: %q is not one of the languages %v", base, lng, Languages))
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			errs = append(errs, fmt.Errorf("%s: not a JSON object: %v", base, err))
			continue
		}
		entries := map[string][]string{}
		for k, v := range raw {
			var s string
			if err := json.Unmarshal(v, &s); err == nil {
				if reserved[strings.ToLower(k)] {
					// go-i18n, under Fyne's lang, reads such an entry as
					// a field of one message and rejects the whole file.
					errs = append(errs, fmt.Errorf(`%s: %q is one of go-i18n's field names: write it as %q: {"other": %q}`, base, k, k, s))
					continue
				}
				entries[k] = []string{s}
				continue
			}
			var forms map[string]string // a plural entry: {"one": ..., "other": ...}
			if err := json.Unmarshal(v, &forms); err == nil && len(forms) > 0 && onlyForms(forms) {
				names := make([]string, 0, len(forms))
				for f := range forms {
					names = append(names, f)
				}
				sort.Strings(names)
				for _, f := range names {
					entries[k] = append(entries[k], forms[f])
				}
				continue
			}
			errs = append(errs, fmt.Errorf(`%s: %q: the translation is neither a string nor {"other": "…"}`, base, k))
		}
		if tr.ByLang[lng] == nil {
			tr.ByLang[lng] = map[string]map[string][]string{}
			tr.Files[lng] = map[string]string{}
		}
		tr.ByLang[lng][area] = entries
		tr.Files[lng][area] = base
	}
	return tr, errs
}

// reserved are the names go-i18n reads as a message's fields: a flat
// entry whose key is one of them (in any case) must be written as an
// object, {"other": "the translation"}.
var reserved = map[string]bool{
	"id": true, "description": true, "hash": true, "leftdelim": true, "rightdelim": true,
	"zero": true, "one": true, "two": true, "few": true, "many": true, "other": true, "translation": true,
}

// onlyForms reports an object whose names are all plural forms.
func onlyForms(m map[string]string) bool {
	for k := range m {
		switch k {
		case "zero", "one", "two", "few", "many", "other":
		default:
			return false
		}
	}
	return m["other"] != ""
}

// Has reports whether key has an entry in language lng, in any area.
func (tr *Translations) Has(lng, key string) bool {
	for _, entries := range tr.ByLang[lng] {
		if _, ok := entries[key]; ok {
			return true
		}
	}
	return false
}

// Verbs are a format string's verbs, one per argument position, as
// "index:verb" sorted; explicit indexes (%[2]s) are resolved as fmt does.
func Verbs(s string) []string {
	var out []string
	next := 1
	for _, m := range verbRE.FindAllStringSubmatch(s, -1) {
		v := m[0]
		if v == "%%" {
			continue
		}
		idx := next
		spec := v
		if loc := indexRE.FindStringSubmatchIndex(v); loc != nil {
			n, _ := strconv.Atoi(v[loc[2]:loc[3]])
			idx = n
			spec = v[:loc[0]] + v[loc[1]:]
		}
		out = append(out, fmt.Sprintf("%d:%s", idx, spec))
		next = idx + 1
	}
	sort.Strings(out)
	return out
}

// SameVerbs reports whether a translation uses its key's verbs.
func SameVerbs(key, translation string) bool {
	a, b := Verbs(key), Verbs(translation)
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
