package ui

import (
	"testing"

	"chartkeeper/store"
)

// TestPasswordAdviceKnown checks that the advice the store gives on new
// passwords is one the workstation knows how to translate: the store words
// it in English from a fixed set, and a new wording would otherwise be
// shown untranslated.
func TestPasswordAdviceKnown(t *testing.T) {
	hints := []string{"cokafor", "Chidi Okafor"}
	for _, pw := range []string{
		"cokafor2024", "chidiokafor1", "qwertyuiop12", "aaaaaaaaaaaa", "abcdefghijkl",
		"password1234", "1980-04-02-1980", "monkeydragon", "letmeinplease",
		"sunshinesunshine", "correct horse battery staple", "tulip-oven-9-quartz-meadow",
	} {
		j := store.JudgePassword([]byte(pw), hints...)
		if _, ok := knownAdvice(j.Advice); !ok {
			t.Errorf("the advice on %q is not known: %q", pw, j.Advice)
		}
	}
	for _, pw := range []string{"", "short"} {
		j := store.JudgePassword([]byte(pw), hints...)
		if got := passwordAdvice(pw, j.Advice); got != j.Advice {
			t.Errorf("the advice on %q is %q; the store says %q", pw, got, j.Advice)
		}
	}
}
