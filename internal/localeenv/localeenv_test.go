package localeenv

import (
	"os"
	"testing"
)

func TestTidy(t *testing.T) {
	for _, c := range []struct {
		all, messages, lang string
		want                string // LC_MESSAGES after Tidy
	}{
		{"", "", "C.UTF-8", "C"},
		{"", "", "POSIX.utf8", "C"},
		{"", "C.UTF-8", "fr_FR.UTF-8", "C"},
		{"", "", "C", ""},
		{"", "", "fr_FR.UTF-8", ""},
		{"", "", "", ""},
		{"", "pt_BR.UTF-8", "C.UTF-8", "pt_BR.UTF-8"},
		{"C.UTF-8", "", "C.UTF-8", ""},
	} {
		t.Setenv("LC_ALL", c.all)
		t.Setenv("LC_MESSAGES", c.messages)
		t.Setenv("LANG", c.lang)
		Tidy()
		if got := os.Getenv("LC_MESSAGES"); got != c.want {
			t.Errorf("LC_ALL=%q LC_MESSAGES=%q LANG=%q: LC_MESSAGES=%q, want %q", c.all, c.messages, c.lang, got, c.want)
		}
	}
}
