package synth_test

import (
	"math"
	"regexp"
	"testing"
	"time"
	"unicode"

	"chartkeeper/chart/synth"
)

var today = time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)

func TestDeterministic(t *testing.T) {
	a, b := synth.NewAt(7, today), synth.NewAt(7, today)
	c := synth.NewAt(8, today)
	same := 0
	for i := range 1000 {
		pa, pb, pc := a.Person(), b.Person(), c.Person()
		if pa != pb {
			t.Fatalf("person %d differs for the same seed: %+v vs %+v", i, pa, pb)
		}
		if pa == pc {
			same++
		}
	}
	if same > 10 {
		t.Errorf("seeds 7 and 8 gave %d identical people out of 1000", same)
	}
	// Only the date of birth may depend on the day the generator runs.
	d := synth.NewAt(7, today.AddDate(1, 0, 0))
	e := synth.NewAt(7, today)
	for range 100 {
		pd, pe := d.Person(), e.Person()
		pd.DOB, pe.DOB = time.Time{}, time.Time{}
		if pd != pe {
			t.Fatalf("a later day changed more than DOB: %+v vs %+v", pd, pe)
		}
	}
}

// scriptOf says which writing system a name's letters are in.
var scriptChecks = map[string]func(rune) bool{
	"latin":          func(r rune) bool { return r < 0x80 && unicode.IsLetter(r) },
	"latin-accented": func(r rune) bool { return unicode.Is(unicode.Latin, r) },
	"greek":          func(r rune) bool { return unicode.Is(unicode.Greek, r) },
	"cyrillic":       func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) },
	"arabic":         func(r rune) bool { return unicode.Is(unicode.Arabic, r) || unicode.Is(unicode.Mn, r) },
	"cjk":            func(r rune) bool { return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) },
}

func TestPopulation(t *testing.T) {
	const n = 100_000
	g := synth.NewAt(42, today)
	phone := regexp.MustCompile(`^\+1 555 01\d\d \d{4}$`)
	first := time.Date(1930, 1, 1, 0, 0, 0, 0, time.UTC)
	yesterday := time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)
	scripts := map[string]int{}
	sexes := map[string]int{}
	families := map[string]int{}
	nameDOB := map[[3]string]int{}
	preferred, accented := 0, 0
	var minDOB, maxDOB = yesterday, first
	for range n {
		p := g.Person()
		scripts[p.Script]++
		sexes[p.Sex]++
		families[p.Family]++
		nameDOB[[3]string{p.Family, p.Given, p.DOB.Format(time.DateOnly)}]++
		if p.Preferred != "" {
			preferred++
		}
		if p.Family == "" || p.Given == "" || p.Language == "" {
			t.Fatalf("incomplete person %+v", p)
		}
		check := scriptChecks[p.Script]
		if check == nil {
			t.Fatalf("unknown script %q", p.Script)
		}
		for _, r := range p.Family + p.Given {
			if !check(r) {
				t.Fatalf("%q in %s name %q %q", r, p.Script, p.Family, p.Given)
			}
		}
		if p.Script == "latin-accented" {
			accented++
			if isASCII(p.Family) && isASCII(p.Given) {
				t.Errorf("accented-Latin name without an accent: %q %q", p.Family, p.Given)
			}
		}
		if !phone.MatchString(p.Phone) {
			t.Fatalf("phone %q is not a fictional +1 555 01xx number", p.Phone)
		}
		if p.DOB.Location() != time.UTC || p.DOB.Hour() != 0 || p.DOB.Minute() != 0 {
			t.Fatalf("DOB %v is not a UTC date", p.DOB)
		}
		if p.DOB.Before(minDOB) {
			minDOB = p.DOB
		}
		if p.DOB.After(maxDOB) {
			maxDOB = p.DOB
		}
	}
	want := map[string]float64{"latin": 45, "latin-accented": 20, "greek": 10, "cyrillic": 10, "arabic": 8, "cjk": 7}
	for s, pct := range want {
		got := 100 * float64(scripts[s]) / n
		if math.Abs(got-pct) > 1 {
			t.Errorf("%s: %.1f%% of patients, want about %.0f%%", s, got, pct)
		}
	}
	if f, m := sexes["female"], sexes["male"]; f < 45_000 || m < 45_000 || sexes["other"] == 0 || sexes["unknown"] == 0 {
		t.Errorf("sexes %v", sexes)
	}
	if pct := 100 * float64(preferred) / n; pct < 8 || pct > 12 {
		t.Errorf("%.1f%% have a preferred name, want about 10%%", pct)
	}
	if minDOB.Year() > 1931 || maxDOB.Before(yesterday.AddDate(0, -1, 0)) || minDOB.Before(first) || maxDOB.After(yesterday) {
		t.Errorf("DOB range %v .. %v", minDOB, maxDOB)
	}
	// Family names repeat: a few thousand per culture, the commonest shared
	// by hundreds, none by a large share of the population.
	top := 0
	for _, c := range families {
		top = max(top, c)
	}
	if len(families) < 10_000 || len(families) > 25_000 || top < 100 || top > 2000 {
		t.Errorf("%d distinct family names, the commonest %d times", len(families), top)
	}
	// Same name and same birthday: it happens, but rarely.
	pairs := 0
	for _, c := range nameDOB {
		pairs += c * (c - 1) / 2
	}
	if pairs == 0 || pairs > 100 {
		t.Errorf("%d pairs of patients with the same name and DOB in %d", pairs, n)
	}
	t.Logf("scripts %v; %d family names (top %d); %d same-name-and-DOB pairs", scripts, len(families), top, pairs)
}

func isASCII(s string) bool {
	for _, r := range s {
		if r >= 0x80 {
			return false
		}
	}
	return true
}
