package search

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Similar returns the IDs of the entries that are likely duplicates of e
// (see the package documentation), in name order. e need not be in the
// index; the entry with e's ID is never returned.
func (x *Index) Similar(e Entry) []string {
	p := prepare(e)
	famP, givP := dupNames(&p.e, p.key0, p.key1)
	x.mu.RLock()
	defer x.mu.RUnlock()
	var slots []int32
	if p.dob != "" {
		for _, s := range x.dobs[p.dob] {
			r := &x.recs[s]
			if r.e.ID == e.ID {
				continue
			}
			if fam, giv := dupNames(&r.e, r.key0, r.key1); similarNames(famP, givP, fam, giv) {
				slots = append(slots, s)
			}
		}
	}
	for _, d := range p.phones {
		for _, id := range x.samePhoneIDs(d) {
			s := x.phones[id].slot
			r := &x.recs[s]
			if r.e.ID == e.ID {
				continue
			}
			// A shared phone alone is a household, not a duplicate.
			if p.dob != "" && r.dob == p.dob {
				slots = append(slots, s)
			} else if fam, giv := dupNames(&r.e, r.key0, r.key1); similarNames(famP, givP, fam, giv) {
				slots = append(slots, s)
			}
		}
	}
	slices.SortFunc(slots, func(a, b int32) int { return cmp.Compare(x.labels[a], x.labels[b]) })
	slots = slices.Compact(slots)
	ids := make([]string, len(slots))
	for i, s := range slots {
		ids[i] = x.recs[s].e.ID
	}
	return ids
}

// Reason is why two entries are likely duplicates: a set of the signals
// they share. No single signal makes a duplicate: a similar name and the
// same birth date do, and a shared phone does with either of them.
type Reason uint8

const (
	SimilarName   Reason = 1 << iota // the names are similar (see the package documentation)
	SameBirthDate                    // the same date of birth
	SamePhone                        // a phone number that is the same line
)

// Candidate says whether the signals in r make a likely duplicate.
func (r Reason) Candidate() bool {
	return r&(SimilarName|SameBirthDate) == SimilarName|SameBirthDate ||
		r&SamePhone != 0 && r&(SimilarName|SameBirthDate) != 0
}

// Words lists the signals in r in plain words, e.g. "similar name",
// "same birth date", "same phone".
func (r Reason) Words() []string {
	var out []string
	for _, w := range []struct {
		r    Reason
		text string
	}{{SimilarName, "similar name"}, {SameBirthDate, "same birth date"}, {SamePhone, "same phone"}} {
		if r&w.r != 0 {
			out = append(out, w.text)
		}
	}
	return out
}

func (r Reason) String() string { return strings.Join(r.Words(), ", ") }

// Why returns the signals the entries with IDs a and b share (0 when either
// is not in the index). They are likely duplicates when the result's
// Candidate is true.
func (x *Index) Why(a, b string) Reason {
	x.mu.RLock()
	defer x.mu.RUnlock()
	sa, okA := x.byID[a]
	sb, okB := x.byID[b]
	if !okA || !okB || a == b {
		return 0
	}
	return x.why(sa, sb)
}

func (x *Index) why(sa, sb int32) Reason {
	ra, rb := &x.recs[sa], &x.recs[sb]
	var r Reason
	if ra.dob != "" && ra.dob == rb.dob {
		r |= SameBirthDate
	}
	famA, givA := dupNames(&ra.e, ra.key0, ra.key1)
	famB, givB := dupNames(&rb.e, rb.key0, rb.key1)
	if similarNames(famA, givA, famB, givB) {
		r |= SimilarName
	}
	for _, pa := range ra.phones {
		for _, pb := range rb.phones {
			if samePhone(x.phones[pa].digits, x.phones[pb].digits) {
				r |= SamePhone
			}
		}
	}
	return r
}

// samePhoneIDs returns the phones that are the same number as the digit
// string d by samePhone.
func (x *Index) samePhoneIDs(d string) []int32 {
	if len(d) < minPhoneDigits {
		return nil
	}
	var out []int32
	for _, id := range x.phonesEnding(d[len(d)-minPhoneDigits:]) {
		if samePhone(d, x.phones[id].digits) {
			out = append(out, id)
		}
	}
	return out
}

// dupNames returns the names of an entry as the duplicate rule compares
// them: the compact family name, and the compact given and preferred names
// that are not empty. They are not stored: only duplicate checks need them,
// and from the folded sort keys they cost little.
func dupNames(e *Entry, key0, key1 string) (string, []string) {
	var giv []string
	if len(e.Names) > 1 {
		if c := compactFolded(key1); c != "" {
			giv = append(giv, c)
		}
		for _, n := range e.Names[2:] {
			if c := compactFolded(Fold(n)); c != "" {
				giv = append(giv, c)
			}
		}
	}
	return compactFolded(key0), giv
}

// DuplicatePairs returns every pair of entries that are likely duplicates
// of each other, each pair once, the pair's first entry before its second
// in name order, and the pairs sorted in name order of their first and
// then their second entry. limit caps the number of pairs (0: no cap).
func (x *Index) DuplicatePairs(limit int) [][2]string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	seen := map[[2]int32]bool{}
	var pairs [][2]int32
	add := func(a, b int32) {
		if x.labels[a] > x.labels[b] {
			a, b = b, a
		}
		if k := [2]int32{a, b}; !seen[k] {
			seen[k] = true
			pairs = append(pairs, k)
		}
	}
	type names struct {
		fam string
		giv []string
	}
	var group []names
	for _, slots := range x.dobs {
		if len(slots) < 2 {
			continue
		}
		group = group[:0]
		for _, s := range slots {
			r := &x.recs[s]
			fam, giv := dupNames(&r.e, r.key0, r.key1)
			group = append(group, names{fam, giv})
		}
		for i, a := range group {
			for j := i + 1; j < len(group); j++ {
				if b := group[j]; similarNames(a.fam, a.giv, b.fam, b.giv) {
					add(slots[i], slots[j])
				}
			}
		}
	}
	// Phones that can be the same number share their last seven digits, so
	// they are neighbours in byPhoneRev.
	ids := x.byPhoneRev
	for i := 0; i < len(ids); {
		last := x.phones[ids[i]].digits
		if len(last) < minPhoneDigits {
			i++
			continue
		}
		last = last[len(last)-minPhoneDigits:]
		j := i + 1
		for j < len(ids) && strings.HasSuffix(x.phones[ids[j]].digits, last) {
			j++
		}
		for a := i; a < j; a++ {
			pa := &x.phones[ids[a]]
			for b := a + 1; b < j; b++ {
				if pb := &x.phones[ids[b]]; pa.slot != pb.slot && samePhone(pa.digits, pb.digits) &&
					x.why(pa.slot, pb.slot).Candidate() {
					add(pa.slot, pb.slot)
				}
			}
		}
		i = j
	}
	slices.SortFunc(pairs, func(p, q [2]int32) int {
		return cmp.Or(cmp.Compare(x.labels[p[0]], x.labels[q[0]]), cmp.Compare(x.labels[p[1]], x.labels[q[1]]))
	})
	if limit > 0 && len(pairs) > limit {
		pairs = pairs[:limit]
	}
	out := make([][2]string, len(pairs))
	for i, p := range pairs {
		out[i] = [2]string{x.recs[p[0]].e.ID, x.recs[p[1]].e.ID}
	}
	return out
}

// minPhoneDigits is how many trailing digits two phone numbers must share
// to be taken for the same line: a local number without area code has 7.
const minPhoneDigits = 7

// samePhone says whether two phone digit strings are the same number: the
// shorter, of at least seven digits, is the end of the longer (so a number
// written without its country or area code still matches).
func samePhone(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	return len(a) >= minPhoneDigits && strings.HasSuffix(b, a)
}

// similarNames is the name half of the duplicate rule, on compact folded
// names: family names close and given names compatible; or the family and
// the first given name swapped on one of the two records, in which case
// the names that are then the family name must be close and the ones that
// are the given name compatible. Which record is swapped is not known, so
// both ways are tried.
func similarNames(famA string, givA []string, famB string, givB []string) bool {
	if famA == "" || famB == "" {
		return false
	}
	if nameClose(famA, famB) && givensMatch(givA, givB) {
		return true
	}
	if len(givA) == 0 || len(givB) == 0 {
		return false
	}
	return nameClose(givA[0], famB) && givenClose(famA, givB[0]) ||
		nameClose(famA, givB[0]) && givenClose(givA[0], famB)
}

// nameClose says whether two names are equal or one edit apart. Names of
// one or two letters must be equal: one edit in "Li" or "李明" makes another
// name, not a misspelling.
func nameClose(a, b string) bool {
	if a == b {
		return true
	}
	return min(utf8.RuneCountInString(a), utf8.RuneCountInString(b)) >= 3 && withinOneEdit(a, b)
}

// givensMatch says whether any given (or preferred) name of one record is
// compatible with one of the other's. Two records without given names
// match; one with and one without do not.
func givensMatch(a, b []string) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	for _, x := range a {
		for _, y := range b {
			if givenClose(x, y) {
				return true
			}
		}
	}
	return false
}

// givenClose says whether two given names can be the same person's: close,
// or one the initial or start of the other ("J", "Jo" and "John").
func givenClose(a, b string) bool {
	return nameClose(a, b) || strings.HasPrefix(a, b) || strings.HasPrefix(b, a)
}
