package search

import (
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Search returns the entries that match every term of query, best first;
// see the package documentation for the rules. limit caps the number of
// hits (0: no cap).
//
// How it stays fast: one term, the one with the fewest candidates, drives
// the search; every candidate it yields is checked against all the terms
// using the entry's own words, dates and numbers. The driver yields its
// candidates in phases (exact, then prefix, then typo), each phase in name
// order by merging slot lists that are kept sorted by label. Since a hit
// can rank no better than the phase it came from, the search stops as soon
// as the next candidate would rank below the limit-th hit found so far:
// a one-letter query looks at a few dozen entries, not thousands.
//
// Search reads a query's dates in AnyOrder; SearchAs reads them in the
// order of the user's language.
func (x *Index) Search(query string, limit int) []Hit {
	return x.SearchAs(query, limit, AnyOrder)
}

// SearchAs is Search with the query's dates read in order (see DateOrder).
func (x *Index) SearchAs(query string, limit int, order DateOrder) []Hit {
	terms := parseQuery(query, order, time.Now())
	if len(terms) == 0 {
		return nil
	}
	limit = max(limit, 0)
	x.mu.RLock()
	defer x.mu.RUnlock()
	if len(x.order) == 0 {
		return nil
	}
	s := &searcher{x: x, terms: terms, col: collector{limit: limit}, marks: x.getMarks()}
	defer x.marks.Put(s.marks)
	x.drive(s, &terms[x.pickDriver(terms)])
	return s.results()
}

// searcher is the state of one Search.
type searcher struct {
	x      *Index
	terms  []term
	col    collector
	marks  *marks
	merger merger
}

// pickDriver returns the index of the term with the fewest candidates.
func (x *Index) pickDriver(terms []term) int {
	best, bestN := 0, -1
	for i := range terms {
		n := x.estimate(&terms[i], bestN)
		if bestN < 0 || n < bestN {
			best, bestN = i, n
		}
	}
	return best
}

// estimate counts a term's exact and prefix candidates, giving up once the
// count passes bound (bound < 0: no bound).
func (x *Index) estimate(t *term, bound int) int {
	switch t.kind {
	case nameTerm:
		if t.runes == 1 {
			c, _ := utf8.DecodeRuneInString(t.text)
			return len(x.initial[c])
		}
		n := 0
		for _, id := range x.prefixRange(x.sorted, keyText, t.text) {
			n += len(x.words[id].posts)
			if bound >= 0 && n > bound {
				break
			}
		}
		return n
	case dateTerm:
		return len(x.dobs[t.text]) + len(x.dobs[t.alt])
	case monthTerm:
		n := 0
		for _, l := range x.monthLists(t.text) {
			n += len(l)
		}
		return n
	case digitsTerm:
		m, p, r := x.numberRanges(t.text)
		return len(m) + len(p) + len(r)
	}
	return 0
}

// drive feeds the driver term's candidates to the searcher.
func (x *Index) drive(s *searcher, t *term) {
	switch t.kind {
	case nameTerm:
		if id, ok := x.vocab[t.text]; ok && !s.phase(0, [][]int32{x.words[id].posts}) {
			return
		}
		if !s.phase(1, x.prefixLists(t)) || t.runes < 4 {
			return
		}
		var lists [][]int32
		for _, id := range x.typoWords(t.text) {
			lists = append(lists, x.words[id].posts)
		}
		s.phase(2, lists)
	case dateTerm:
		s.phase(0, [][]int32{x.dobs[t.text], x.dobs[t.alt]})
	case monthTerm:
		s.phase(0, x.monthLists(t.text))
	case digitsTerm:
		x.driveNumber(s, t)
	}
}

// prefixLists are the slot lists of the words that start with a name term,
// other than the term itself.
func (x *Index) prefixLists(t *term) [][]int32 {
	if t.runes == 1 {
		c, _ := utf8.DecodeRuneInString(t.text)
		return [][]int32{x.initial[c]}
	}
	ids := x.prefixRange(x.sorted, keyText, t.text)
	lists := make([][]int32, 0, len(ids))
	for _, id := range ids {
		if w := &x.words[id]; len(w.posts) > 0 && w.text != t.text {
			lists = append(lists, w.posts)
		}
	}
	return lists
}

func (x *Index) monthLists(month string) [][]int32 {
	var lists [][]int32
	for d := 1; d <= 31; d++ {
		if l := x.dobs[month+"-"+twoDigits(d)]; len(l) > 0 {
			lists = append(lists, l)
		}
	}
	return lists
}

// numberRanges returns the MRNs starting with d (as slots), and the phones
// starting and ending with d (as phone ids).
func (x *Index) numberRanges(d string) (mrns, pre, suf []int32) {
	lo, _ := slices.BinarySearchFunc(x.mrns, d, func(s int32, d string) int { return strings.Compare(x.recs[s].mrn, d) })
	n := countPrefixed(len(x.mrns)-lo, func(i int) bool { return strings.HasPrefix(x.recs[x.mrns[lo+i]].mrn, d) })
	mrns = x.mrns[lo : lo+n]
	pre = x.phonesStarting(d)
	suf = x.phonesEnding(d)
	return mrns, pre, suf
}

// phonesStarting returns the ids of the phones whose digits start with d.
func (x *Index) phonesStarting(d string) []int32 {
	ids := x.byPhone
	lo, _ := slices.BinarySearchFunc(ids, d, func(id int32, d string) int { return strings.Compare(x.phones[id].digits, d) })
	n := countPrefixed(len(ids)-lo, func(i int) bool { return strings.HasPrefix(x.phones[ids[lo+i]].digits, d) })
	return ids[lo : lo+n]
}

// phonesEnding returns the ids of the phones whose digits end with d: in
// byPhoneRev, which is sorted by digits read backwards, they are adjacent.
func (x *Index) phonesEnding(d string) []int32 {
	ids := x.byPhoneRev
	lo, _ := slices.BinarySearchFunc(ids, d, func(id int32, d string) int { return compareRev(x.phones[id].digits, d) })
	n := countPrefixed(len(ids)-lo, func(i int) bool { return strings.HasSuffix(x.phones[ids[lo+i]].digits, d) })
	return ids[lo : lo+n]
}

// countPrefixed returns how many of the first n elements satisfy in, which
// holds for a leading run of them.
func countPrefixed(n int, in func(int) bool) int {
	lo, hi := 0, n
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if in(mid) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// driveNumber feeds a number term's candidates. They come from three
// sorted arrays, not in name order; when they are few, all are checked.
// When they are many (a short MRN prefix, a country code), walking every
// entry in name order and stopping at the limit is cheaper than sorting
// them: with n candidates among N entries, about limit*N/n entries are
// walked, which beats checking all n once n*n > limit*N.
func (x *Index) driveNumber(s *searcher, t *term) {
	mrns, pre, suf := x.numberRanges(t.text)
	n := len(mrns) + len(pre) + len(suf)
	if s.col.limit > 0 && n*n > s.col.limit*len(x.order) {
		s.phase(0, [][]int32{x.order})
		return
	}
	for _, slot := range mrns {
		s.consider(slot)
	}
	for _, ids := range [][]int32{pre, suf} {
		for _, id := range ids {
			s.consider(x.phones[id].slot)
		}
	}
}

// phase checks the slots of lists, merged in name order, whose best
// possible tier is tier. It returns false when the search is complete: the
// limit is reached and no later candidate can rank higher.
func (s *searcher) phase(tier uint8, lists [][]int32) bool {
	m := &s.merger
	m.init(s.x.labels, lists)
	for {
		slot, ok := m.next()
		if !ok {
			return true
		}
		if s.col.full() {
			w := s.col.worst()
			if tier > w.tier || tier == w.tier && s.x.labels[slot] > w.label {
				return false
			}
		}
		s.consider(slot)
	}
}

// consider checks a candidate against every term, once.
func (s *searcher) consider(slot int32) {
	if !s.marks.first(slot) {
		return
	}
	r := &s.x.recs[slot]
	var kind Kind
	for i := range s.terms {
		k, ok := s.x.matchTerm(&s.terms[i], r)
		if !ok {
			return
		}
		// A hit is as good as its weakest term; among equals, the first.
		if i == 0 || k.tier() > kind.tier() {
			kind = k
		}
	}
	s.col.offer(found{tier: kind.tier(), kind: kind, slot: slot, label: s.x.labels[slot]})
}

// matchTerm says whether an entry matches one term, and how well.
func (x *Index) matchTerm(t *term, r *rec) (Kind, bool) {
	switch t.kind {
	case nameTerm:
		const none = Kind(255)
		best := none
		for _, w := range r.words {
			text := x.words[w].text
			switch {
			case text == t.text:
				return Exact, true
			case strings.HasPrefix(text, t.text):
				best = Prefix
			case best == none && t.runes >= 4 && typoPrefix(text, t.text):
				best = Typo
			}
		}
		return best, best != none
	case digitsTerm:
		if r.mrn != "" && strings.HasPrefix(r.mrn, t.text) {
			return MRN, true
		}
		for _, id := range r.phones {
			if d := x.phones[id].digits; strings.HasPrefix(d, t.text) || strings.HasSuffix(d, t.text) {
				return Phone, true
			}
		}
	case dateTerm:
		return DOB, r.dob == t.text || t.alt != "" && r.dob == t.alt
	case monthTerm:
		return DOB, len(r.dob) == 10 && r.dob[7] == '-' && strings.HasPrefix(r.dob, t.text)
	}
	return 0, false
}

func (s *searcher) results() []Hit {
	items := s.col.items
	slices.SortFunc(items, func(a, b found) int {
		return cmp.Or(cmp.Compare(a.tier, b.tier), cmp.Compare(a.label, b.label))
	})
	hits := make([]Hit, len(items))
	for i, f := range items {
		hits[i] = Hit{ID: s.x.recs[f.slot].e.ID, Kind: f.kind}
	}
	return hits
}

// keyText and keyTail are the sort keys of the sorted and byTail arrays.
func keyText(w *word) string { return w.text }
func keyTail(w *word) string { return tail(w.text) }
func keyDel1(w *word) string { return w.del1 }

// prefixRange returns the part of ids (word ids sorted by key) whose key
// starts with p.
func (x *Index) prefixRange(ids []int32, key func(*word) string, p string) []int32 {
	lo, hi := 0, len(ids)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if key(&x.words[ids[mid]]) < p {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	n := countPrefixed(len(ids)-lo, func(i int) bool { return strings.HasPrefix(key(&x.words[ids[lo+i]]), p) })
	return ids[lo : lo+n]
}

// typoWords returns the words some prefix of which is one edit from the
// term t (of at least two runes), and that do not start with t itself.
//
// The edit can be taken to sit at the first rune where word and term
// differ (see edit.go). If that is past the second rune, the word starts
// with the term's first two runes, and the words that do are walked. If it
// is the first or second rune, each kind of edit there turns into a prefix
// lookup in one of the three sorted arrays: no walk over the vocabulary.
func (x *Index) typoWords(t string) []int32 {
	var out []int32
	check := func(ids []int32) {
		for _, id := range ids {
			if w := &x.words[id]; len(w.posts) > 0 && typoPrefix(w.text, t) {
				out = append(out, id)
			}
		}
	}
	_, n0 := utf8.DecodeRuneInString(t)
	_, n1 := utf8.DecodeRuneInString(t[n0:])
	first, second, rest := t[:n0], t[n0:n0+n1], t[n0+n1:]

	// The first rune differs.
	check(x.prefixRange(x.sorted, keyText, second+rest))       // an extra rune typed first
	check(x.prefixRange(x.sorted, keyText, second+first+rest)) // first two runes swapped
	check(x.prefixRange(x.byTail, keyTail, second+rest))       // first rune wrong
	check(x.prefixRange(x.byTail, keyTail, t))                 // first rune left out

	// The first rune is right, the second differs.
	check(x.prefixRange(x.sorted, keyText, first+rest)) // an extra second rune
	if rest != "" {
		_, n2 := utf8.DecodeRuneInString(rest)
		check(x.prefixRange(x.sorted, keyText, first+rest[:n2]+second+rest[n2:])) // second and third swapped
	}
	check(x.prefixRange(x.byDel1, keyDel1, first+rest)) // second rune wrong
	check(x.prefixRange(x.byDel1, keyDel1, t))          // second rune left out

	// The first two runes are right.
	check(x.prefixRange(x.sorted, keyText, first+second))

	slices.Sort(out)
	return slices.Compact(out)
}

// found is a hit being collected.
type found struct {
	tier  uint8
	kind  Kind
	slot  int32
	label uint64
}

func (a found) less(b found) bool {
	return a.tier < b.tier || a.tier == b.tier && a.label < b.label
}

// collector keeps the best limit hits in a max-heap (worst at the root),
// or all of them when there is no limit.
type collector struct {
	limit int
	items []found
}

func (c *collector) full() bool   { return c.limit > 0 && len(c.items) >= c.limit }
func (c *collector) worst() found { return c.items[0] }

func (c *collector) offer(f found) {
	if c.limit == 0 {
		c.items = append(c.items, f)
		return
	}
	h := c.items
	if len(h) < c.limit {
		h = append(h, f)
		for i := len(h) - 1; i > 0; { // sift up
			p := (i - 1) / 2
			if !h[p].less(h[i]) {
				break
			}
			h[p], h[i] = h[i], h[p]
			i = p
		}
		c.items = h
		return
	}
	if !f.less(h[0]) {
		return
	}
	h[0] = f
	for i := 0; ; { // sift down
		l, big := 2*i+1, i
		if l < len(h) && h[big].less(h[l]) {
			big = l
		}
		if l+1 < len(h) && h[big].less(h[l+1]) {
			big = l + 1
		}
		if big == i {
			break
		}
		h[i], h[big] = h[big], h[i]
		i = big
	}
}

// merger walks several slot lists, each in name order, as one list in name
// order (a k-way merge on a min-heap of list heads).
type merger struct {
	labels []uint64
	heads  []cursor
}

type cursor struct {
	key  uint64
	list []int32
}

func (m *merger) init(labels []uint64, lists [][]int32) {
	m.labels = labels
	m.heads = m.heads[:0]
	for _, l := range lists {
		if len(l) > 0 {
			m.heads = append(m.heads, cursor{labels[l[0]], l})
		}
	}
	for i := len(m.heads)/2 - 1; i >= 0; i-- {
		m.down(i)
	}
}

func (m *merger) next() (int32, bool) {
	if len(m.heads) == 0 {
		return 0, false
	}
	c := &m.heads[0]
	slot := c.list[0]
	if c.list = c.list[1:]; len(c.list) > 0 {
		c.key = m.labels[c.list[0]]
	} else {
		last := len(m.heads) - 1
		m.heads[0] = m.heads[last]
		m.heads = m.heads[:last]
	}
	if len(m.heads) > 1 {
		m.down(0)
	}
	return slot, true
}

func (m *merger) down(i int) {
	h := m.heads
	for {
		l, small := 2*i+1, i
		if l < len(h) && h[l].key < h[small].key {
			small = l
		}
		if l+1 < len(h) && h[l+1].key < h[small].key {
			small = l + 1
		}
		if small == i {
			return
		}
		h[i], h[small] = h[small], h[i]
		i = small
	}
}

// marks remembers which slots a search has seen, without clearing an array
// per search: a slot is seen when its mark equals the current generation.
type marks struct {
	gen  uint32
	seen []uint32
}

func (x *Index) getMarks() *marks {
	m, _ := x.marks.Get().(*marks)
	if m == nil {
		m = &marks{}
	}
	if n := len(x.recs); len(m.seen) < n {
		m.seen = make([]uint32, n+n/8)
		m.gen = 0
	}
	if m.gen++; m.gen == 0 {
		clear(m.seen)
		m.gen = 1
	}
	return m
}

func (m *marks) first(slot int32) bool {
	if m.seen[slot] == m.gen {
		return false
	}
	m.seen[slot] = m.gen
	return true
}
