package filename

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSafe(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"summary-10000008.pdf", "summary-10000008.pdf"},
		{`C:\scans\desk\lab.pdf`, "C__scans_desk_lab.pdf"},
		{"../../etc/passwd", "_.._etc_passwd"},
		{`results: "final"?.pdf`, "results_ _final__.pdf"},
		{"CON", "_CON"},
		{"nul.pdf", "_nul.pdf"},
		{"Com1.tar.gz", "_Com1.tar.gz"},
		{"lpt9 .txt", "_lpt9 .txt"},
		{"CONSOLE.pdf", "CONSOLE.pdf"},
		{"report. . .", "report"},
		{"Ærøskøbing – Zoë Ñúñez 山田.pdf", "Ærøskøbing – Zoë Ñúñez 山田.pdf"},
		{"scan\x1b[31m.pdf", "scan_[31m.pdf"},
		{"fdp\u202eexe.pdf", "fdp_exe.pdf"},
		{"", "file"},
		{" ... ", "file"},
		{".pdf", "pdf"},
	} {
		if got := Safe(tc.in, ""); got != tc.want {
			t.Errorf("Safe(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := Safe("///", "document.pdf"); got != "document.pdf" {
		t.Errorf("Safe(///, document.pdf) = %q", got)
	}
}

func TestSafeLong(t *testing.T) {
	long := strings.Repeat("Ŝ", 300) + ".pdf"
	got := Safe(long, "")
	if len(got) > MaxLen || !strings.HasSuffix(got, ".pdf") || !utf8.ValidString(got) {
		t.Fatalf("Safe(300 Ŝ.pdf) = %d bytes %q", len(got), got)
	}
}

// TestSafeNamesCanBeCreated writes a file under every name above in a real
// folder: each must land in that folder, under its own name.
func TestSafeNamesCanBeCreated(t *testing.T) {
	dir := t.TempDir()
	for _, in := range []string{`a\b/c.pdf`, "../x.pdf", "CON", "q?.pdf", strings.Repeat("é", 250)} {
		name := Safe(in, "")
		p := filepath.Join(dir, name)
		if filepath.Dir(p) != dir {
			t.Fatalf("%q: %q leaves the folder", in, name)
		}
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatalf("%q: %v", in, err)
		}
	}
}
