// Package synth makes up patients for tests, benchmarks and demonstrations.
// Nothing it returns is real: names are glued together from syllable tables
// per writing system, dates of birth are drawn at random, and telephone
// numbers use the 555 range that is never assigned to a subscriber.
//
// A Generator is deterministic: the same seed gives the same people in the
// same order (New draws dates of birth up to yesterday, so only DOB depends
// on the day it runs; NewAt fixes that day too).
//
// The mix of writing systems is roughly 45% plain Latin, 20% accented Latin,
// 10% Greek, 10% Cyrillic, 8% Arabic and 7% Chinese or Japanese characters.
// Each culture has a pool of about three thousand family names and a few
// hundred given names per sex, drawn with a Zipf-like skew, so a large
// population shares family names the way a real one does and, rarely, two
// patients have the same name and the same date of birth (a handful in
// 100,000). Phone numbers are "+1 555 01xx xxxx" with the last six digits
// at random: a million numbers, so in 100,000 patients about five thousand
// pairs share one, much as relatives share a home number.
package synth

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Person is one made-up patient.
type Person struct {
	Family, Given, Preferred string // Preferred is empty for most
	Sex                      string // "female", "male", "other" or "unknown"
	DOB                      time.Time
	Phone                    string // "+1 555 01xx xxxx"
	Language                 string // the language the names belong to, e.g. "Greek"
	Script                   string // "latin", "latin-accented", "greek", "cyrillic", "arabic" or "cjk"
}

// Generator makes Persons. It is not safe for concurrent use.
type Generator struct {
	r        *rand.Rand
	first    time.Time // earliest date of birth
	days     uint64    // number of possible dates of birth
	cultures []*pool
	weights  []float64 // cumulative, over cultures
}

// New returns a generator whose people are born between 1930-01-01 and
// yesterday (UTC).
func New(seed uint64) *Generator {
	return NewAt(seed, time.Now())
}

// NewAt is New with "today" given, for output that does not change from one
// day to the next.
func NewAt(seed uint64, today time.Time) *Generator {
	first := time.Date(1930, 1, 1, 0, 0, 0, 0, time.UTC)
	y, m, d := today.UTC().Date()
	last := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
	days := uint64(last.Sub(first).Hours()/24) + 1
	if last.Before(first) {
		days = 1
	}
	// The name pools come from their own stream so that how many draws
	// building them takes never shifts the people that follow.
	pools := rand.New(rand.NewPCG(seed, 0x706f6f6c73))
	g := &Generator{
		r:     rand.New(rand.NewPCG(seed, 0x7065726f706c65)),
		first: first,
		days:  days,
	}
	total := 0.0
	for _, c := range cultures {
		g.cultures = append(g.cultures, c.build(pools))
		total += c.weight
		g.weights = append(g.weights, total)
	}
	return g
}

// Person returns the next made-up patient.
func (g *Generator) Person() Person {
	p := g.cultures[g.pickCulture()]
	var sex string
	switch u := g.r.IntN(100); {
	case u < 49:
		sex = "female"
	case u < 98:
		sex = "male"
	case u < 99:
		sex = "other"
	default:
		sex = "unknown"
	}
	female := sex == "female" || (sex != "male" && g.r.IntN(2) == 0)
	fam := p.family[p.famDist.draw(g.r)]
	per := Person{
		Family:   fam.male,
		Sex:      sex,
		Script:   p.script,
		Language: p.languages[g.r.IntN(len(p.languages))],
	}
	givens, givDist := p.male, p.maleDist
	if female {
		per.Family = fam.female
		givens, givDist = p.female, p.femaleDist
	}
	per.Given = givens[givDist.draw(g.r)]
	per.DOB = g.dob()
	per.Phone = fmt.Sprintf("+1 555 01%02d %04d", g.r.IntN(100), g.r.IntN(10000))
	if g.r.IntN(10) == 0 {
		per.Preferred = g.preferred(p, per.Given, female)
	}
	return per
}

func (g *Generator) pickCulture() int {
	u := g.r.Float64() * g.weights[len(g.weights)-1]
	for i, w := range g.weights {
		if u < w {
			return i
		}
	}
	return len(g.weights) - 1
}

// dob draws a day uniformly with exactly one value from the stream, so the
// people after it do not depend on how many days the range has.
func (g *Generator) dob() time.Time {
	hi, _ := bits.Mul64(g.r.Uint64(), g.days)
	return g.first.AddDate(0, 0, int(hi))
}

// preferred is either a short form of the given name (its first three or
// four letters) or an adopted plain Latin name, as people who live in a
// language other than their own often use.
func (g *Generator) preferred(p *pool, given string, female bool) string {
	if g.r.IntN(2) == 0 && utf8.RuneCountInString(given) > 4 {
		n := 3 + g.r.IntN(2)
		return string([]rune(given)[:n])
	}
	latin := g.cultures[0]
	list, d := latin.male, latin.maleDist
	if female {
		list, d = latin.female, latin.femaleDist
	}
	for range 4 { // a different name, if one comes up
		if s := list[d.draw(g.r)]; s != given {
			return s
		}
	}
	return list[0]
}

// familyName is a family name in its male and female form (the same in most
// languages; Greek and Slavic ones change ending).
type familyName struct{ male, female string }

// pool is one culture's names, ready to draw from.
type pool struct {
	script    string
	languages []string
	family    []familyName
	male      []string
	female    []string

	famDist, maleDist, femaleDist zipf
}

// zipf draws ranks 0..n-1 with weight 1/(rank+offset): a few names are
// common, most are rare, as in real populations.
type zipf []float64 // cumulative weights

func newZipf(n int, offset float64) zipf {
	z := make(zipf, n)
	total := 0.0
	for i := range z {
		total += 1 / (float64(i) + offset)
		z[i] = total
	}
	return z
}

func (z zipf) draw(r *rand.Rand) int {
	u := r.Float64() * z[len(z)-1]
	lo, hi := 0, len(z)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if z[mid] > u {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// culture describes how to invent one culture's names.
type culture struct {
	script    string
	languages []string
	weight    float64 // percent of patients
	families  int     // size of the family-name pool
	givens    int     // size of each given-name pool (per sex)
	family    func(r *rand.Rand) familyName
	given     func(r *rand.Rand, female bool) string
}

// build invents the culture's name pools, each name distinct.
func (c culture) build(r *rand.Rand) *pool {
	p := &pool{script: c.script, languages: c.languages}
	seen := map[string]bool{}
	for tries := 0; len(p.family) < c.families && tries < 50*c.families; tries++ {
		f := c.family(r)
		if f.male != "" && !seen[f.male] {
			seen[f.male] = true
			p.family = append(p.family, f)
		}
	}
	p.male = distinct(c.givens, func() string { return c.given(r, false) })
	p.female = distinct(c.givens, func() string { return c.given(r, true) })
	p.famDist = newZipf(len(p.family), 4)
	p.maleDist = newZipf(len(p.male), 3)
	p.femaleDist = newZipf(len(p.female), 3)
	return p
}

func distinct(n int, make func() string) []string {
	seen := map[string]bool{}
	var out []string
	for tries := 0; len(out) < n && tries < 50*n; tries++ {
		if s := make(); s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// pick returns a random element of list.
func pick(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

// syllables glues n picks from list.
func syllables(r *rand.Rand, list []string, n int) string {
	var b strings.Builder
	for range n {
		b.WriteString(pick(r, list))
	}
	return b.String()
}

// title upper-cases the first letter (Greek, Cyrillic and Latin alike).
func title(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
