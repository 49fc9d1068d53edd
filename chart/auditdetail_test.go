package chart

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"chartkeeper/store"
)

// sampleArgs are values for format's verbs, some with the format's own
// separators in them (a reason with ": " in it, a name with "MRN").
func sampleArgs(format string) []any {
	args := []any{}
	for i, v := range verbsOf(format) {
		if v == 'd' {
			args = append(args, 40+i)
			continue
		}
		args = append(args, []string{"Zoë Testova-Ngũgĩ", "99990012", "typo at the desk: MRN swapped, as noted", "2026-03-07T09:00:00Z"}[i%4])
	}
	return args
}

// TestAuditDetailRoundTrip: every sentence an audit detail is written in
// reads back from what it writes, into the same sentence and values.
func TestAuditDetailRoundTrip(t *testing.T) {
	formats := AuditDetailFormats()
	if len(formats) < 20 {
		t.Fatalf("only %d actions have sentence details", len(formats))
	}
	for action, fs := range formats {
		for _, f := range fs {
			args := sampleArgs(f)
			detail := fmt.Sprintf(f, args...)
			key, got, ok := AuditDetailText(action, detail)
			if !ok || key != f || !reflect.DeepEqual(got, args) {
				t.Errorf("%s %q read back as %q %v %v, want %q %v", action, detail, key, got, ok, f, args)
			}
		}
	}
	// values alone, typed text and another action's sentence stay as stored
	for _, c := range [][2]string{
		{"document.view", "01HZXA7Q3K"},
		{"breakglass.review", "to be reviewed: seen in the ED"},
		{"setting.change", "idle lock five minutes"},
		{"chart.view", "idle lock 300 s -> 600 s"},
		{"patient.death", "2026-01-02"},
	} {
		if key, args, ok := AuditDetailText(c[0], c[1]); ok {
			t.Errorf("%s %q read as %q %v", c[0], c[1], key, args)
		}
	}
	// what is stored today reads as before
	key, args, ok := AuditDetailText("setting.change", "idle lock 300 s -> 600 s")
	if !ok || key != "idle lock %d s -> %d s" || !reflect.DeepEqual(args, []any{300, 600}) {
		t.Errorf("idle lock read as %q %v %v", key, args, ok)
	}
}

var verbRE = regexp.MustCompile(`%[a-z]`)

// TestAuditDetailWriteSites: in chart and store, every audit detail that
// is a sentence is written with a named, marked format the reader knows.
// A literal with words in a detail (a sentence written in place) fails,
// as does a marked detail format the reader does not know, or one
// written under an action the reader does not know it for.
func TestAuditDetailWriteSites(t *testing.T) {
	fset := token.NewFileSet()
	var files []*ast.File
	var names []string
	for _, dir := range []string{".", "../store"} {
		paths, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, p := range paths {
			if strings.HasSuffix(p, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, p, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			files, names = append(files, f), append(names, p)
		}
	}
	known := map[string]bool{}
	formats := AuditDetailFormats()
	for _, fs := range formats {
		for _, f := range fs {
			known[f] = true
		}
	}
	// A key rotation's detail is a list of these, read by KeyRotationDetail.
	for _, f := range store.KeyRotationParts() {
		known[f] = true
	}
	// the marked detail formats: package-level detailX = T("…")
	marked := map[string]string{}
	for _, f := range files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, s := range g.Specs {
				vs, ok := s.(*ast.ValueSpec)
				if !ok {
					continue
				}
				for i, n := range vs.Names {
					if !strings.HasPrefix(n.Name, "detail") || i >= len(vs.Values) {
						continue
					}
					c, ok := vs.Values[i].(*ast.CallExpr)
					if !ok || len(c.Args) != 1 {
						continue
					}
					if fn, ok := c.Fun.(*ast.Ident); !ok || fn.Name != "T" {
						continue
					}
					lit, _ := strconv.Unquote(c.Args[0].(*ast.BasicLit).Value)
					marked[n.Name] = lit
					if !known[lit] {
						t.Errorf("%s: detail %q is not known to AuditDetailText", fset.Position(n.Pos()), lit)
					}
				}
			}
		}
	}
	if len(marked) != len(known) {
		t.Errorf("%d marked detail formats, %d known to the reader", len(marked), len(known))
	}
	sites := 0
	check := func(action, detail ast.Expr) {
		sites++
		act := ""
		if lit, ok := action.(*ast.BasicLit); ok {
			act, _ = strconv.Unquote(lit.Value)
		}
		ast.Inspect(detail, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				s, _ := strconv.Unquote(n.Value)
				if strings.IndexFunc(verbRE.ReplaceAllString(s, ""), unicode.IsLetter) >= 0 {
					t.Errorf("%s: audit detail %q written in place: name it as a marked format known to AuditDetailText", fset.Position(n.Pos()), s)
				}
			case *ast.Ident:
				if f, ok := marked[n.Name]; ok && act != "" && !slices.Contains(formats[act], f) {
					t.Errorf("%s: %s written under %s, which AuditDetailText does not read it for", fset.Position(n.Pos()), n.Name, act)
				}
			}
			return true
		})
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if fn, ok := n.Fun.(*ast.Ident); ok && fn.Name == "audit" && len(n.Args) == 5 {
					check(n.Args[1], n.Args[3])
				}
			case *ast.CompositeLit:
				var action, detail ast.Expr
				for _, e := range n.Elts {
					kv, ok := e.(*ast.KeyValueExpr)
					if !ok {
						continue
					}
					switch k, _ := kv.Key.(*ast.Ident); {
					case k == nil:
					case k.Name == "Action":
						action = kv.Value
					case k.Name == "Detail":
						detail = kv.Value
					}
				}
				if detail != nil {
					check(action, detail)
				}
			}
			return true
		})
	}
	if sites < 40 {
		t.Errorf("only %d audit write sites found in %v", sites, names)
	}
}

// TestKeyRotationDetail: a key rotation's stored detail reads back into
// the keys it lists, each a marked sentence with its number, and why, as
// stored; any other text does not.
func TestKeyRotationDetail(t *testing.T) {
	p := newPractice(t)
	p.as(store.RoleHIM)
	st := p.st
	if _, err := st.AddUser(store.NewUser{Username: "rotdesk", Name: "Test Rotdesk", Role: store.RoleFrontDesk, Password: []byte("a long test passphrase for rotdesk")}); err != nil {
		t.Fatal(err)
	}
	if err := st.DisableUser("rotdesk"); err != nil {
		t.Fatal(err)
	}
	var detail string
	if err := st.View(func(tx *store.Tx) error {
		return tx.AuditLog(0, func(ev store.AuditEvent) error {
			if ev.Action == "key.rotate" {
				detail = ev.Detail
			}
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	parts, why, ok := KeyRotationDetail(detail)
	if !ok || len(parts) == 0 || why == "" {
		t.Fatalf("the rotation's detail %q reads as %v, %q, %v", detail, parts, why, ok)
	}
	known := map[string]bool{}
	for _, f := range store.KeyRotationParts() {
		known[f] = true
	}
	var back []string
	for _, p := range parts {
		if !known[p.Key] || len(p.Args) != 1 {
			t.Errorf("part %+v", p)
		}
		back = append(back, fmt.Sprintf(p.Key, p.Args...))
	}
	if got := strings.Join(back, ", ") + ": " + why; got != detail {
		t.Errorf("read back as %q, stored %q", got, detail)
	}
	for _, other := range []string{"", "user.disable: rotdesk", "general key epoch x: why", "a new key: why", "general key epoch 3"} {
		if _, _, ok := KeyRotationDetail(other); ok {
			t.Errorf("%q reads as a rotation's detail", other)
		}
	}
}
