// Package icd10 reads ICD-10-CM code tables in the format CMS publishes
// (icd10cm-codes-YYYY.txt: one code per line, without its dot, then spaces,
// then the description) and looks codes up by code or by words.
//
// A practice imports the current CMS release with `ckadmin codes import
// FILE`. The program carries only a subset of an older release, for demo
// practices ([PrimaryCare]); tests also use a small hand-made table.
package icd10

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Code is one ICD-10-CM code with its description.
type Code struct {
	Code        string // without the dot, upper case: "E119"
	Description string
}

// Dotted is the code as clinicians write it: "E11.9".
func (c Code) Dotted() string { return Dot(c.Code) }

// Dot inserts the dot after the category (the first three characters).
func Dot(code string) string {
	if len(code) <= 3 {
		return code
	}
	return code[:3] + "." + code[3:]
}

// Normalize turns a code as typed ("e11.9", " E119 ") into the stored form
// ("E119"), or says why it is not a well-formed ICD-10-CM code: a letter, a
// digit, a letter or digit, then up to four letters or digits, with the dot,
// if any, after the third character.
func Normalize(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if i := strings.IndexByte(s, '.'); i >= 0 {
		if i != 3 || strings.Count(s, ".") != 1 {
			return "", fmt.Errorf("%q is not an ICD-10-CM code: the dot goes after the first three characters, as in E11.9", s)
		}
		s = s[:3] + s[4:]
	}
	if len(s) < 3 || len(s) > 7 {
		return "", fmt.Errorf("%q is not an ICD-10-CM code: a code has 3 to 7 characters, as in E11.9", s)
	}
	for i, c := range []byte(s) {
		letter, digit := c >= 'A' && c <= 'Z', c >= '0' && c <= '9'
		switch {
		case i == 0 && !letter:
			return "", fmt.Errorf("%q is not an ICD-10-CM code: it must start with a letter", s)
		case i == 1 && !digit:
			return "", fmt.Errorf("%q is not an ICD-10-CM code: the second character must be a digit", s)
		case !letter && !digit:
			return "", fmt.Errorf("%q is not an ICD-10-CM code: only letters and digits", s)
		}
	}
	return s, nil
}

// Table is a loaded code table with an index of the words in descriptions.
type Table struct {
	codes []Code           // sorted by code
	words map[string][]int // folded word -> indexes into codes, ascending
	keys  []string         // the index's words, sorted, for prefix search
}

// MaxLine bounds one line of a code file; CMS descriptions are far shorter.
const MaxLine = 4096

// Parse reads a code table in the CMS format. Blank lines are skipped; a
// malformed line is an error naming its line number. A code listed twice
// keeps its first description.
func Parse(r io.Reader) (*Table, error) {
	t := &Table{words: map[string][]int{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1024), MaxLine)
	seen := map[string]bool{}
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		raw, desc, _ := strings.Cut(strings.TrimLeft(line, " \t"), " ")
		code, err := Normalize(raw)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		desc = strings.TrimSpace(desc)
		if desc == "" {
			return nil, fmt.Errorf("line %d: code %s has no description", n, Dot(code))
		}
		if seen[code] {
			continue
		}
		seen[code] = true
		t.codes = append(t.codes, Code{Code: code, Description: desc})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the code table: %w", err)
	}
	if len(t.codes) == 0 {
		return nil, fmt.Errorf("the code table is empty")
	}
	slices.SortFunc(t.codes, func(a, b Code) int { return strings.Compare(a.Code, b.Code) })
	for i, c := range t.codes {
		for _, w := range words(c.Description) {
			if l := t.words[w]; len(l) == 0 || l[len(l)-1] != i {
				t.words[w] = append(l, i)
			}
		}
	}
	for w := range t.words {
		t.keys = append(t.keys, w)
	}
	slices.Sort(t.keys)
	return t, nil
}

// Len is the number of codes.
func (t *Table) Len() int { return len(t.codes) }

// Lookup finds a code typed with or without its dot.
func (t *Table) Lookup(code string) (Code, bool) {
	n, err := Normalize(code)
	if err != nil {
		return Code{}, false
	}
	i, ok := slices.BinarySearchFunc(t.codes, n, func(c Code, s string) int { return strings.Compare(c.Code, s) })
	if !ok {
		return Code{}, false
	}
	return t.codes[i], true
}

// Search returns up to limit codes for a query, best first:
//
//  1. the code typed exactly ("e11.9", "E119");
//  2. codes starting with what was typed ("E11", "e11.");
//  3. codes whose title has, for every word of the query, a word starting
//     with it (case and accents ignored); titles where more of the query's
//     words are whole words come first.
//
// Within each of these, codes common in primary care come first (a small
// built-in list, most frequent first), then shorter titles, then code
// order. A few abbreviations clinicians type ("uti", "htn", "copd") are
// searched as the words they stand for.
func (t *Table) Search(query string, limit int) []Code {
	if limit <= 0 {
		return nil
	}
	type hit struct {
		i           int
		tier, whole int
	}
	seen := map[int]bool{}
	var hits []hit
	if p := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(query), ".", "")); p != "" && !strings.ContainsRune(p, ' ') {
		i, _ := slices.BinarySearchFunc(t.codes, p, func(c Code, s string) int { return strings.Compare(c.Code, s) })
		for ; i < len(t.codes) && strings.HasPrefix(t.codes[i].Code, p); i++ {
			tier := 1
			if t.codes[i].Code == p {
				tier = 0
			}
			hits = append(hits, hit{i: i, tier: tier})
			seen[i] = true
		}
	}
	q := words(query)
	if len(q) == 1 {
		if long, ok := abbreviations[q[0]]; ok {
			q = words(long)
		}
	}
	var set []int
	for k, w := range q {
		if k == 0 {
			set = t.prefixSet(w)
		} else {
			set = intersect(set, t.prefixSet(w))
		}
		if len(set) == 0 {
			break
		}
	}
	for _, i := range set {
		if seen[i] {
			continue
		}
		title := words(t.codes[i].Description)
		whole := 0
		for _, w := range q {
			if slices.Contains(title, w) {
				whole++
			}
		}
		hits = append(hits, hit{i: i, tier: 2, whole: whole})
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if a.tier != b.tier {
			return a.tier - b.tier
		}
		if a.whole != b.whole {
			return b.whole - a.whole
		}
		ca, cb := t.codes[a.i], t.codes[b.i]
		if ra, rb := rankOf(ca.Code), rankOf(cb.Code); ra != rb {
			return ra - rb
		}
		if a.tier == 2 && len(ca.Description) != len(cb.Description) {
			return len(ca.Description) - len(cb.Description)
		}
		return a.i - b.i
	})
	out := make([]Code, 0, min(limit, len(hits)))
	for _, h := range hits[:min(limit, len(hits))] {
		out = append(out, t.codes[h.i])
	}
	return out
}

// prefixSet is the sorted union of the codes of every word starting with p.
func (t *Table) prefixSet(p string) []int {
	i, _ := slices.BinarySearch(t.keys, p)
	var set []int
	for ; i < len(t.keys) && strings.HasPrefix(t.keys[i], p); i++ {
		set = append(set, t.words[t.keys[i]]...)
	}
	slices.Sort(set)
	return slices.Compact(set)
}

func intersect(a, b []int) []int {
	var out []int
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

var fold = transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)

// words splits text into lower-case words with accents removed.
func words(s string) []string {
	f, _, err := transform.String(fold, s)
	if err != nil {
		f = s
	}
	return strings.FieldsFunc(strings.ToLower(f), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}
