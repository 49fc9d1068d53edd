package ui

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/go-text/typesetting/fontscan"
)

// The bundled fonts are unpacked into the cache folder and found by the
// font lookup Fyne falls back on, for a script no system font here has
// (Korean: Debian's fonts-droid-fallback lacks Hangul).
func TestBundledFontsReachFyne(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux and the BSDs only")
	}
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("XDG_DATA_DIRS", "/usr/share")
	UseBundledFonts()
	dir := filepath.Join(cache, filepath.FromSlash(bundledFontsDir))
	if got := os.Getenv("XDG_DATA_DIRS"); got != "/usr/share:"+dir {
		t.Fatalf("XDG_DATA_DIRS is %q", got)
	}
	ttfs, _ := filepath.Glob(filepath.Join(dir, "fonts", "*.ttf"))
	if len(ttfs) != 8 {
		t.Fatalf("%d fonts unpacked: %v", len(ttfs), ttfs)
	}
	// a second start leaves them be
	before, _ := os.Stat(ttfs[0])
	UseBundledFonts()
	if after, _ := os.Stat(ttfs[0]); !after.ModTime().Equal(before.ModTime()) {
		t.Error("the fonts were written again")
	}

	// fontscan indexes the system's fonts once per process (a sync.Once),
	// and earlier tests of this package have drawn text already: the
	// lookup is asked in a fresh process, as the workstation asks it after
	// UseBundledFonts at its start.
	if os.Getenv("CHARTKEEPER_FONTSCAN_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestBundledFontsReachFyne$", "-test.count", "1")
		cmd.Env = append(os.Environ(), "CHARTKEEPER_FONTSCAN_CHILD=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("the font lookup in a fresh process: %v\n%s", err, out)
		}
		return
	}
	fm := fontscan.NewFontMap(nil)
	if err := fm.UseSystemFonts(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	fm.SetQuery(fontscan.Query{Families: []string{fontscan.SansSerif}})
	for _, r := range "민ሰपสשل" {
		face := fm.ResolveFace(r)
		if face == nil {
			t.Errorf("no font for %q", r)
			continue
		}
		if r == '민' {
			if loc := fm.FontLocation(face.Font); !strings.HasPrefix(loc.File, dir) {
				t.Errorf("%q comes from %s, not the bundled fonts", r, loc.File)
			}
		}
	}
}
