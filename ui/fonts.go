package ui

import (
	"os"
	"path/filepath"
	"runtime"

	"chartkeeper/internal/atomicfile"
	"chartkeeper/report/fonts"
)

// bundledFontsDir is the folder under the user's cache folder the bundled
// fonts are unpacked to; its name changes when the fonts do.
const bundledFontsDir = "chartkeeper/fonts-1"

// UseBundledFonts lets the screens draw names in the scripts Fyne's own
// font lacks (Arabic, Hebrew, Chinese, Japanese, Korean, Devanagari,
// Ethiopic, Thai, Vietnamese's stacked accents) with the fonts the program
// carries for its printouts (package report/fonts). Fyne draws a character
// its theme font lacks with a system font that has it, and on Linux and
// the BSDs looks for fonts in the fonts folder of every folder in
// XDG_DATA_DIRS; so the bundled fonts are unpacked once into a private
// folder in the user's cache folder, and that folder is added to
// XDG_DATA_DIRS for this process (and what it starts). Windows has fonts
// for these scripts of its own. It must run before the first text is
// drawn; if the fonts cannot be written the screens fall back to the
// system's fonts, as before.
func UseBundledFonts() {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd":
	default:
		return
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return
	}
	dir := filepath.Join(cache, filepath.FromSlash(bundledFontsDir))
	if err := unpackFonts(filepath.Join(dir, "fonts")); err != nil {
		return
	}
	dirs := os.Getenv("XDG_DATA_DIRS")
	if dirs == "" {
		dirs = "/usr/local/share:/usr/share" // the default the specification gives
	}
	os.Setenv("XDG_DATA_DIRS", dirs+string(os.PathListSeparator)+dir)
}

// unpackFonts writes each bundled font into dir unless it is there
// already (written whole, as atomicfile writes).
func unpackFonts(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range fonts.Fallbacks {
		path := filepath.Join(dir, f.FileName())
		if _, err := os.Stat(path); err == nil {
			continue
		}
		if err := atomicfile.WriteFile(path, f.TTF(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
