package words

import (
	"slices"
	"testing"
)

func TestNonEmpty(t *testing.T) {
	in := []string{"12 Fake Street", " ", "", "Testville"}
	got := NonEmpty(in...)
	if !slices.Equal(got, []string{"12 Fake Street", "Testville"}) {
		t.Errorf("NonEmpty = %q", got)
	}
	if !slices.Equal(in, []string{"12 Fake Street", " ", "", "Testville"}) {
		t.Errorf("NonEmpty changed its argument: %q", in)
	}
	if got := NonEmpty("", "  "); got != nil {
		t.Errorf("NonEmpty of blanks = %#v, want nil", got)
	}
}

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0 pages", 1: "1 page", 2: "2 pages", 12: "12 pages"} {
		if got := Plural(n, "page"); got != want {
			t.Errorf("Plural(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestDecimals(t *testing.T) {
	for _, c := range []struct{ in, sep, want string }{
		{"8.0 %", ",", "8,0 %"},
		{"< 4.0–5.6 mmol/L. e.g.", ",", "< 4,0–5,6 mmol/L. e.g."},
		{"v1.2.3", ",", "v1,2,3"},
		{".5", ",", ".5"},
		{"4.0–5.6", ".", "4.0–5.6"},
		{"4.0", "", "4.0"},
	} {
		if got := Decimals(c.in, c.sep); got != c.want {
			t.Errorf("Decimals(%q, %q) = %q, want %q", c.in, c.sep, got, c.want)
		}
	}
}
