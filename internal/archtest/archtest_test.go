package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/build/constraint"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestImportRules holds every package of the module to the import rules
// of docs/ARCHITECTURE.md.
func TestImportRules(t *testing.T) {
	pkgs := loadModule(t)
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages of %s; expected the whole module", len(pkgs), module)
	}
	for _, v := range check(pkgs) {
		t.Error(v)
	}
}

// loadModule lists the module's packages with go list and reads the
// imports of each of their Go files.
func loadModule(t *testing.T) []pkg {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the go command is needed to check the import rules: %v", err)
		}
		t.Skipf("the go command is not on PATH (%v); the import rules are not checked", err)
	}
	root := moduleRoot(t)
	cmd := exec.CommandContext(t.Context(), goCmd, "list", "-e",
		"-json=ImportPath,Name,Dir,GoFiles,CgoFiles,IgnoredGoFiles,TestGoFiles,XTestGoFiles,Deps,Error",
		"./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list in %s: %v\n%s", root, err, stderr.Bytes())
	}
	type listed struct {
		ImportPath, Name, Dir                                        string
		GoFiles, CgoFiles, IgnoredGoFiles, TestGoFiles, XTestGoFiles []string
		Deps                                                         []string
		Error                                                        *struct{ Err string }
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var l listed
		if err := dec.Decode(&l); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("reading go list's output: %v", err)
		}
		if l.Error != nil {
			// A package that does not load (a syntax error, say) is the
			// build's to report; its files are still read below.
			t.Logf("go list: %s: %s", l.ImportPath, l.Error.Err)
		}
		p := pkg{Path: l.ImportPath, Deps: l.Deps}
		names := slices.Concat(l.GoFiles, l.CgoFiles, l.IgnoredGoFiles, l.TestGoFiles, l.XTestGoFiles)
		slices.Sort(names)
		for _, name := range slices.Compact(names) {
			f, ok := readImports(t, root, filepath.Join(l.Dir, name), l.Name)
			if ok {
				p.Files = append(p.Files, f)
			}
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// moduleRoot is the folder of the go.mod above the test's folder; it must
// be the chartkeeper module's.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil {
			for line := range strings.Lines(string(data)) {
				if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
					if f[1] != module {
						t.Fatalf("%s/go.mod is module %s, not %s", dir, f[1], module)
					}
					return dir
				}
			}
			t.Fatalf("%s/go.mod names no module", dir)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
}

// readImports reads the imports of one Go file of package pkgName. Files
// that are not part of the package in any build (a generator under
// "//go:build ignore", a file of another package) are left out.
func readImports(t *testing.T, root, path, pkgName string) (goFile, bool) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly|parser.ParseComments)
	if err != nil {
		t.Errorf("reading the imports of %s: %v", path, err)
		return goFile{}, false
	}
	if n := f.Name.Name; n != pkgName && n != pkgName+"_test" && pkgName != "" {
		return goFile{}, false
	}
	for _, cg := range f.Comments {
		if cg.Pos() >= f.Package {
			break
		}
		for _, c := range cg.List {
			if !constraint.IsGoBuild(c.Text) {
				continue
			}
			if expr, err := constraint.Parse(c.Text); err == nil && mentions(expr, "ignore") {
				return goFile{}, false
			}
		}
	}
	rel, err := filepath.Rel(root, path)
	if err != nil {
		rel = path
	}
	g := goFile{Name: filepath.ToSlash(rel), Test: strings.HasSuffix(path, "_test.go")}
	for _, spec := range f.Imports {
		imp, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			t.Errorf("%s: import %s: %v", rel, spec.Path.Value, err)
			continue
		}
		g.Imports = append(g.Imports, imp)
	}
	return g, true
}

// mentions reports whether a build constraint names tag.
func mentions(expr constraint.Expr, tag string) bool {
	switch x := expr.(type) {
	case *constraint.TagExpr:
		return x.Tag == tag
	case *constraint.NotExpr:
		return mentions(x.X, tag)
	case *constraint.AndExpr:
		return mentions(x.X, tag) || mentions(x.Y, tag)
	case *constraint.OrExpr:
		return mentions(x.X, tag) || mentions(x.Y, tag)
	}
	return false
}
