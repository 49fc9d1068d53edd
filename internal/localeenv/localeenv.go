// Package localeenv tidies the process's locale variables before Fyne's
// lang package reads them. Importing it is enough: its init runs before
// Fyne's, because Go initialises packages in import-path order when
// neither depends on the other, and this package depends on nothing.
//
// On Linux, Fyne takes the language from LC_ALL, LC_MESSAGES or LANG, the
// first that is set. When that is the C locale with a character set, as
// in containers and services ("C.UTF-8"), it reads the language "C",
// cannot parse it and logs "Error parsing user locale C" every time
// translations are loaded. Setting LC_MESSAGES=C says the same thing (the
// untranslated messages) in the form it understands as "no locale", so it
// uses English without the log line. The character set (LC_CTYPE) is left
// as it was, so programs the workstation starts still read UTF-8.
package localeenv

import (
	"os"
	"strings"
)

func init() { Tidy() }

// Tidy sets LC_MESSAGES=C when the messages locale in effect is the C or
// POSIX locale with a character set, and LC_ALL does not override it.
func Tidy() {
	if os.Getenv("LC_ALL") != "" {
		return
	}
	v := os.Getenv("LC_MESSAGES")
	if v == "" {
		v = os.Getenv("LANG")
	}
	if isCWithCharset(v) {
		os.Setenv("LC_MESSAGES", "C")
	}
}

func isCWithCharset(v string) bool {
	base, _, found := strings.Cut(v, ".")
	if !found {
		base, _, found = strings.Cut(v, "@")
	}
	return found && (base == "C" || base == "POSIX")
}
