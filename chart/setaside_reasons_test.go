package chart

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestSetAsideReasonsMarked: every reason the store and sync write on an
// item they set aside is one of setAsideReasons, so the workstation can
// show it in its language. The reasons are the sources' literals about
// the item ("it …", "its …", "the document's …"), and the store's
// revision checks' own reasons, "it " and the check's words.
func TestSetAsideReasonsMarked(t *testing.T) {
	var found []string
	for _, rel := range []string{"../store/importcheck.go", "../store/auditsync.go", "../syncclient/blobs.go"} {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, filepath.FromSlash(rel), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "fail" && len(call.Args) == 1 {
					if bl, ok := call.Args[0].(*ast.BasicLit); ok {
						s, _ := strconv.Unquote(bl.Value)
						if !strings.Contains(s, "%") {
							found = append(found, "it "+s)
						}
					}
				}
			}
			bl, ok := n.(*ast.BasicLit)
			if !ok || bl.Kind != token.STRING {
				return true
			}
			s, _ := strconv.Unquote(bl.Value)
			for _, p := range []string{"it ", "its ", "the document's "} {
				if strings.HasPrefix(s, p) && s != p { // not the "it " put before a check's words
					found = append(found, s)
				}
			}
			return true
		})
	}
	if len(found) < 10 {
		t.Fatalf("only %d reasons found: %q", len(found), found)
	}
	for _, r := range found {
		if !slices.Contains(setAsideReasons, r) {
			t.Errorf("%q is not in setAsideReasons", r)
		}
	}
}
