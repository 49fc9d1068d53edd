package search

import (
	"cmp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Entry is what the index knows of one patient.
type Entry struct {
	ID     string   // patient record ID (opaque); entries with an empty ID are ignored
	MRN    string   // digits, e.g. "40213378" (anything else in it is ignored)
	Names  []string // family, given, preferred, ...; free text in any script
	DOB    string   // "YYYY-MM-DD" or ""
	Phones []string // free text, e.g. "+1 (555) 014-2231"
}

// Kind says why a hit matched.
type Kind uint8

const (
	MRN    Kind = iota // a number term is the start of the MRN
	DOB                // a date term is the date of birth (or its year and month)
	Phone              // a number term starts or ends a phone number
	Exact              // a name term is a whole word of a name
	Prefix             // a name term starts a word of a name
	Typo               // a name term is one edit from a name word, or from its start
)

var kindNames = [...]string{"MRN", "DOB", "Phone", "Exact", "Prefix", "Typo"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// tier is the rank of a kind in results: MRN, DOB, Phone and Exact are
// equally good (0), then Prefix (1), then Typo (2).
func (k Kind) tier() uint8 {
	switch k {
	case Prefix:
		return 1
	case Typo:
		return 2
	}
	return 0
}

// Hit is one search result.
type Hit struct {
	ID   string
	Kind Kind
}

// Index finds patients. The zero value is not usable: call New.
type Index struct {
	mu sync.RWMutex

	// Entries live in slots that are reused after Remove. labels gives each
	// live slot its place in name order (see placeInOrder); every slot list
	// below that is "in name order" is sorted by label, so lists can be
	// merged and cut at the limit without comparing names.
	recs   []rec
	labels []uint64
	free   []int32
	byID   map[string]int32
	order  []int32 // live slots in name order

	// The vocabulary: every distinct folded name word, with the slots that
	// have it, sorted three ways for the prefix and typo lookups.
	vocab  map[string]int32
	words  []word
	sorted []int32 // word ids by text
	byTail []int32 // word ids by text without its first rune
	byDel1 []int32 // word ids by text without its second rune

	// initial holds, per first rune, the slots with a word starting with it:
	// a one-letter query would otherwise merge thousands of word lists.
	initial map[rune][]int32

	dobs       map[string][]int32 // DOB -> slots in name order
	mrns       []int32            // slots with an MRN, by (MRN, label)
	phones     []phoneRec
	freePhones []int32
	byPhone    []int32 // phone ids by (digits, id)
	byPhoneRev []int32 // phone ids by (digits read backwards, id)

	marks sync.Pool // *marks, one per concurrent search
}

// rec is an indexed entry. A free slot has an empty ID.
type rec struct {
	e          Entry
	key0, key1 string  // folded Names[0] and Names[1]: the name order
	words      []int32 // distinct name words
	dob        string  // normalised (see normDOB)
	mrn        string  // digits only
	phones     []int32 // phone ids
}

type word struct {
	text  string
	del1  string  // text without its second rune: the byDel1 key
	posts []int32 // slots in name order
}

type phoneRec struct {
	slot   int32 // -1 when free
	digits string
}

// New returns an empty index.
func New() *Index {
	x := &Index{}
	x.reset(0)
	return x
}

func (x *Index) reset(n int) {
	x.recs = make([]rec, 0, n)
	x.labels = make([]uint64, 0, n)
	x.free = nil
	x.byID = make(map[string]int32, n)
	x.order = make([]int32, 0, n)
	x.vocab = make(map[string]int32, n/2)
	x.words = nil
	x.sorted, x.byTail, x.byDel1 = nil, nil, nil
	x.initial = map[rune][]int32{}
	x.dobs = make(map[string][]int32, n/2)
	x.mrns = nil
	x.phones, x.freePhones = nil, nil
	x.byPhone, x.byPhoneRev = nil, nil
}

// Len is the number of entries.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.order)
}

// Get returns the entry with the given ID.
func (x *Index) Get(id string) (Entry, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	slot, ok := x.byID[id]
	if !ok {
		return Entry{}, false
	}
	return cloneEntry(x.recs[slot].e), true
}

// ByMRN returns the entry whose MRN is mrn (compared as digits). Should two
// entries share an MRN, the first in name order is returned.
func (x *Index) ByMRN(mrn string) (id string, ok bool) {
	mrn = digits(mrn)
	if mrn == "" {
		return "", false
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	i, _ := slices.BinarySearchFunc(x.mrns, mrn, func(s int32, m string) int { return strings.Compare(x.recs[s].mrn, m) })
	if i < len(x.mrns) && x.recs[x.mrns[i]].mrn == mrn {
		return x.recs[x.mrns[i]].e.ID, true
	}
	return "", false
}

// Put adds e, or replaces the entry with the same ID.
func (x *Index) Put(e Entry) {
	if e.ID == "" {
		return
	}
	p := prepare(e) // the costly folding happens before taking the lock
	x.mu.Lock()
	defer x.mu.Unlock()
	if slot, ok := x.byID[e.ID]; ok {
		x.unlink(slot)
	}
	x.link(x.alloc(), &p)
}

// Remove deletes the entry with the given ID, if there is one.
func (x *Index) Remove(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if slot, ok := x.byID[id]; ok {
		x.unlink(slot)
	}
}

// Build adds many entries at once, as if by Put for each in turn (a later
// entry replaces an earlier one with the same ID), but rebuilds the index
// in one pass, which is much faster than as many Puts. Words left over by
// removed or replaced entries are dropped on the way. Searches wait while
// it runs (about a fifth of a second for 100,000 entries).
func (x *Index) Build(es []Entry) {
	preps := prepareAll(es)
	x.mu.Lock()
	defer x.mu.Unlock()
	// The entries to keep: the current ones not replaced, then the new ones
	// with only the last of each ID.
	last := make(map[string]int, len(preps))
	for i := range preps {
		last[preps[i].e.ID] = i
	}
	all := make([]*prepared, 0, len(x.order)+len(last))
	for _, slot := range x.order {
		if _, replaced := last[x.recs[slot].e.ID]; !replaced {
			all = append(all, x.unprepare(slot))
		}
	}
	for i := range preps {
		if p := &preps[i]; p.e.ID != "" && last[p.e.ID] == i {
			all = append(all, p)
		}
	}
	x.load(all)
}

// prepared is an entry with its folding done, ready to link.
type prepared struct {
	e          Entry
	key0, key1 string
	words      []string
	dob, mrn   string
	phones     []string // digit strings
}

func prepare(e Entry) prepared {
	e = cloneEntry(e)
	p := prepared{e: e, dob: normDOB(e.DOB), mrn: digits(e.MRN)}
	var buf [8]string
	ws := buf[:0]
	for i, n := range e.Names {
		f := Fold(n) // once per name: words and sort keys all share it
		switch i {
		case 0:
			p.key0 = f
		case 1:
			p.key1 = f
		}
		ws = nameWords(ws, f)
	}
	for i, w := range ws {
		if !slices.Contains(ws[:i], w) {
			p.words = append(p.words, w)
		}
	}
	for _, ph := range e.Phones {
		if d := digits(ph); d != "" {
			p.phones = append(p.phones, d)
		}
	}
	return p
}

// prepareAll prepares entries on all cores.
func prepareAll(es []Entry) []prepared {
	out := make([]prepared, len(es))
	workers := min(runtime.GOMAXPROCS(0), 1+len(es)/1024)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(es); i += workers {
				out[i] = prepare(es[i])
			}
		})
	}
	wg.Wait()
	return out
}

// unprepare turns a linked entry back into its prepared form, without
// folding anything again.
func (x *Index) unprepare(slot int32) *prepared {
	r := &x.recs[slot]
	p := &prepared{e: r.e, key0: r.key0, key1: r.key1, dob: r.dob, mrn: r.mrn}
	for _, w := range r.words {
		p.words = append(p.words, x.words[w].text)
	}
	for _, ph := range r.phones {
		p.phones = append(p.phones, x.phones[ph].digits)
	}
	return p
}

// cloneEntry copies e's slices (in one allocation), so that the caller may
// reuse its own.
func cloneEntry(e Entry) Entry {
	n, p := len(e.Names), len(e.Phones)
	if n+p == 0 {
		return e
	}
	all := make([]string, n+p)
	copy(all, e.Names)
	copy(all[n:], e.Phones)
	e.Names, e.Phones = nil, nil
	if n > 0 {
		e.Names = all[:n:n]
	}
	if p > 0 {
		e.Phones = all[n:]
	}
	return e
}

// compareSlot compares r with the entry in slot in name order: folded
// family name, folded given name, ID.
func (x *Index) compareSlot(r *rec, slot int32) int {
	o := &x.recs[slot]
	if c := strings.Compare(r.key0, o.key0); c != 0 {
		return c
	}
	if c := strings.Compare(r.key1, o.key1); c != 0 {
		return c
	}
	return strings.Compare(r.e.ID, o.e.ID)
}

// load replaces the whole index with the given entries. Slots are given in
// name order, so every list can be built by appending; lists are sized by a
// first counting pass, which saves most of the allocations (and so most of
// the garbage collection) a build would otherwise cause. Work that touches
// different structures runs side by side.
func (x *Index) load(all []*prepared) {
	sortPrepared(all)
	x.reset(len(all))
	x.recs = x.recs[:len(all)]
	x.labels = x.labels[:len(all)]
	for i, p := range all {
		x.order = append(x.order, int32(i))
		x.labels[i] = uint64(i+1) * labelGap
		x.recs[i] = rec{e: p.e, key0: p.key0, key1: p.key1, dob: p.dob, mrn: p.mrn}
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for i, p := range all {
			x.byID[p.e.ID] = int32(i)
		}
	})
	wg.Go(x.loadNumbers(all))
	counts := x.loadWords(all)
	wg.Go(func() {
		x.sorted = x.wordIDs()
		slices.SortFunc(x.sorted, func(a, b int32) int { return strings.Compare(x.words[a].text, x.words[b].text) })
	})
	wg.Go(func() {
		x.byTail = x.wordIDs()
		slices.SortFunc(x.byTail, func(a, b int32) int { return strings.Compare(tail(x.words[a].text), tail(x.words[b].text)) })
	})
	wg.Go(func() {
		x.byDel1 = x.wordIDs()
		slices.SortFunc(x.byDel1, func(a, b int32) int { return strings.Compare(x.words[a].del1, x.words[b].del1) })
	})
	wg.Go(func() {
		for slot := range x.recs {
			r := &x.recs[slot]
			x.eachInitial(r, func(c rune) { x.initial[c] = append(x.initial[c], int32(slot)) })
			if r.dob != "" {
				x.dobs[r.dob] = append(x.dobs[r.dob], int32(slot))
			}
		}
	})
	x.loadPosts(counts)
	wg.Wait()
}

// loadWords interns every entry's words and returns how many entries have
// each word.
func (x *Index) loadWords(all []*prepared) []int32 {
	n := 0
	for _, p := range all {
		n += len(p.words)
	}
	arena := make([]int32, n)
	var counts []int32
	for i, p := range all {
		r := &x.recs[i]
		r.words, arena = arena[:len(p.words):len(p.words)], arena[len(p.words):]
		for j, w := range p.words {
			id, ok := x.vocab[w]
			if !ok {
				id = x.newWord(w)
				counts = append(counts, 0)
			}
			r.words[j] = id
			counts[id]++
		}
	}
	return counts
}

// loadPosts fills the words' slot lists, each allocated at its final size.
func (x *Index) loadPosts(counts []int32) {
	n := 0
	for _, c := range counts {
		n += int(c)
	}
	arena := make([]int32, n)
	for id, c := range counts {
		x.words[id].posts, arena = arena[:0:c], arena[c:]
	}
	for slot := range x.recs {
		for _, id := range x.recs[slot].words {
			x.words[id].posts = append(x.words[id].posts, int32(slot))
		}
	}
}

// loadNumbers returns the work of indexing MRNs and phones, to run beside
// the words.
func (x *Index) loadNumbers(all []*prepared) func() {
	return func() {
		n := 0
		for _, p := range all {
			n += len(p.phones)
		}
		arena := make([]int32, n)
		x.phones = make([]phoneRec, 0, n)
		type keyed struct {
			mrn  string
			slot int32
		}
		var mrns []keyed
		for i, p := range all {
			r := &x.recs[i]
			r.phones, arena = arena[:len(p.phones):len(p.phones)], arena[len(p.phones):]
			for j, d := range p.phones {
				r.phones[j] = x.newPhone(int32(i), d)
			}
			if p.mrn != "" {
				mrns = append(mrns, keyed{p.mrn, int32(i)})
			}
		}
		var wg sync.WaitGroup
		wg.Go(func() {
			x.byPhone = x.phoneIDs()
			slices.SortFunc(x.byPhone, x.comparePhone)
		})
		wg.Go(func() {
			x.byPhoneRev = x.phoneIDs()
			slices.SortFunc(x.byPhoneRev, x.comparePhoneRev)
		})
		// Sorted with the keys beside the slots, not behind them; slots are
		// in label order here, so they break ties as compareMRN does.
		slices.SortFunc(mrns, func(a, b keyed) int {
			if c := strings.Compare(a.mrn, b.mrn); c != 0 {
				return c
			}
			return cmp.Compare(a.slot, b.slot)
		})
		x.mrns = make([]int32, len(mrns))
		for i, m := range mrns {
			x.mrns[i] = m.slot
		}
		wg.Wait()
	}
}

// sortPrepared sorts entries into name order: on copies of their keys,
// which the comparisons then read from one array, the two halves side by
// side.
func sortPrepared(all []*prepared) {
	type keyed struct {
		key0, key1, id string
		p              *prepared
	}
	ks := make([]keyed, len(all))
	for i, p := range all {
		ks[i] = keyed{p.key0, p.key1, p.e.ID, p}
	}
	compare := func(a, b keyed) int {
		if c := strings.Compare(a.key0, b.key0); c != 0 {
			return c
		}
		if c := strings.Compare(a.key1, b.key1); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	}
	mid := len(ks) / 2
	var wg sync.WaitGroup
	wg.Go(func() { slices.SortFunc(ks[:mid], compare) })
	slices.SortFunc(ks[mid:], compare)
	wg.Wait()
	a, b := ks[:mid], ks[mid:]
	for i := range all {
		if len(b) == 0 || len(a) > 0 && compare(a[0], b[0]) <= 0 {
			all[i], a = a[0].p, a[1:]
		} else {
			all[i], b = b[0].p, b[1:]
		}
	}
}

func (x *Index) wordIDs() []int32 {
	ids := make([]int32, len(x.words))
	for i := range ids {
		ids[i] = int32(i)
	}
	return ids
}

func (x *Index) phoneIDs() []int32 {
	ids := make([]int32, len(x.phones))
	for i := range ids {
		ids[i] = int32(i)
	}
	return ids
}

// The comparators below break ties only when they must: cmp.Or would
// compute both comparisons every time, and these run a few million times
// per Build.

func (x *Index) compareMRN(a, b int32) int {
	if c := strings.Compare(x.recs[a].mrn, x.recs[b].mrn); c != 0 {
		return c
	}
	return cmp.Compare(x.labels[a], x.labels[b])
}

func (x *Index) comparePhone(a, b int32) int {
	if c := strings.Compare(x.phones[a].digits, x.phones[b].digits); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

func (x *Index) comparePhoneRev(a, b int32) int {
	if c := compareRev(x.phones[a].digits, x.phones[b].digits); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

// tail is a word without its first rune: the byTail key.
func tail(s string) string {
	_, n := utf8.DecodeRuneInString(s)
	return s[n:]
}

// withoutSecond is s without its second rune (s itself if it has one rune).
func withoutSecond(s string) string {
	_, n0 := utf8.DecodeRuneInString(s)
	if n0 == len(s) {
		return s
	}
	_, n1 := utf8.DecodeRuneInString(s[n0:])
	return s[:n0] + s[n0+n1:]
}

// newWord adds a word to the vocabulary (not to the sorted arrays).
func (x *Index) newWord(w string) int32 {
	id := int32(len(x.words))
	x.words = append(x.words, word{text: w, del1: withoutSecond(w)})
	x.vocab[w] = id
	return id
}

func (x *Index) newPhone(slot int32, d string) int32 {
	p := phoneRec{slot: slot, digits: d}
	if n := len(x.freePhones); n > 0 {
		id := x.freePhones[n-1]
		x.freePhones = x.freePhones[:n-1]
		x.phones[id] = p
		return id
	}
	x.phones = append(x.phones, p)
	return int32(len(x.phones) - 1)
}

// eachInitial calls f once for each distinct first rune of r's words.
func (x *Index) eachInitial(r *rec, f func(rune)) {
	var buf [8]rune
	seen := buf[:0]
	for _, w := range r.words {
		c, _ := utf8.DecodeRuneInString(x.words[w].text)
		if !slices.Contains(seen, c) {
			seen = append(seen, c)
			f(c)
		}
	}
}

func (x *Index) alloc() int32 {
	if n := len(x.free); n > 0 {
		slot := x.free[n-1]
		x.free = x.free[:n-1]
		return slot
	}
	x.recs = append(x.recs, rec{})
	x.labels = append(x.labels, 0)
	return int32(len(x.recs) - 1)
}

// link puts a prepared entry into a free slot and into every list.
func (x *Index) link(slot int32, p *prepared) {
	r := &x.recs[slot]
	*r = rec{e: p.e, key0: p.key0, key1: p.key1, dob: p.dob, mrn: p.mrn}
	x.byID[p.e.ID] = slot
	x.placeInOrder(slot)
	r.words = make([]int32, len(p.words))
	for i, w := range p.words {
		id, ok := x.vocab[w]
		if !ok {
			id = x.newWord(w)
			x.sorted = insertSorted(x.sorted, id, func(a int32) int { return strings.Compare(x.words[a].text, w) })
			x.byTail = insertSorted(x.byTail, id, func(a int32) int { return strings.Compare(tail(x.words[a].text), tail(w)) })
			d := x.words[id].del1
			x.byDel1 = insertSorted(x.byDel1, id, func(a int32) int { return strings.Compare(x.words[a].del1, d) })
		}
		r.words[i] = id
		x.words[id].posts = x.insertPost(x.words[id].posts, slot)
	}
	x.eachInitial(r, func(c rune) { x.initial[c] = x.insertPost(x.initial[c], slot) })
	if r.dob != "" {
		x.dobs[r.dob] = x.insertPost(x.dobs[r.dob], slot)
	}
	if r.mrn != "" {
		x.mrns = insertSorted(x.mrns, slot, func(a int32) int { return x.compareMRN(a, slot) })
	}
	for _, d := range p.phones {
		id := x.newPhone(slot, d)
		r.phones = append(r.phones, id)
		x.byPhone = insertSorted(x.byPhone, id, func(a int32) int { return x.comparePhone(a, id) })
		x.byPhoneRev = insertSorted(x.byPhoneRev, id, func(a int32) int { return x.comparePhoneRev(a, id) })
	}
}

// unlink takes an entry out of every list and frees its slot. Its words
// stay in the vocabulary with one slot fewer (Build drops empty ones).
func (x *Index) unlink(slot int32) {
	r := &x.recs[slot]
	for _, w := range r.words {
		x.words[w].posts = x.deletePost(x.words[w].posts, slot)
	}
	x.eachInitial(r, func(c rune) {
		if l := x.deletePost(x.initial[c], slot); len(l) > 0 {
			x.initial[c] = l
		} else {
			delete(x.initial, c)
		}
	})
	if r.dob != "" {
		if l := x.deletePost(x.dobs[r.dob], slot); len(l) > 0 {
			x.dobs[r.dob] = l
		} else {
			delete(x.dobs, r.dob)
		}
	}
	if r.mrn != "" {
		x.mrns = deleteSorted(x.mrns, slot, func(a int32) int { return x.compareMRN(a, slot) })
	}
	for _, id := range r.phones {
		x.byPhone = deleteSorted(x.byPhone, id, func(a int32) int { return x.comparePhone(a, id) })
		x.byPhoneRev = deleteSorted(x.byPhoneRev, id, func(a int32) int { return x.comparePhoneRev(a, id) })
		x.phones[id] = phoneRec{slot: -1}
		x.freePhones = append(x.freePhones, id)
	}
	x.order = x.deletePost(x.order, slot)
	delete(x.byID, r.e.ID)
	*r = rec{}
	x.free = append(x.free, slot)
}

// insertSorted inserts v into s, which is sorted by cmp (cmp(a) compares
// element a with v).
func insertSorted(s []int32, v int32, cmp func(a int32) int) []int32 {
	i, _ := slices.BinarySearchFunc(s, v, func(a, _ int32) int { return cmp(a) })
	return slices.Insert(s, i, v)
}

func deleteSorted(s []int32, v int32, cmp func(a int32) int) []int32 {
	i, found := slices.BinarySearchFunc(s, v, func(a, _ int32) int { return cmp(a) })
	if found && s[i] == v {
		return slices.Delete(s, i, i+1)
	}
	return s
}

// insertPost inserts slot into a list in name order.
func (x *Index) insertPost(list []int32, slot int32) []int32 {
	l := x.labels[slot]
	return insertSorted(list, slot, func(a int32) int { return cmp.Compare(x.labels[a], l) })
}

func (x *Index) deletePost(list []int32, slot int32) []int32 {
	l := x.labels[slot]
	return deleteSorted(list, slot, func(a int32) int { return cmp.Compare(x.labels[a], l) })
}

// Labels keep name order as plain integers. A new entry takes the midpoint
// of its neighbours' labels; only when two neighbours are adjacent numbers
// is everything relabelled, which with gaps of 2^32 after each rebuild
// takes at least 32 inserts at the same place. Relabelling keeps the order,
// so no list needs sorting again.
const labelGap = 1 << 32

func (x *Index) placeInOrder(slot int32) {
	r := &x.recs[slot]
	i, _ := slices.BinarySearchFunc(x.order, slot, func(a, _ int32) int { return -x.compareSlot(r, a) })
	x.order = slices.Insert(x.order, i, slot)
	var lo, hi uint64
	if i > 0 {
		lo = x.labels[x.order[i-1]]
	}
	if i+1 < len(x.order) {
		hi = x.labels[x.order[i+1]]
	} else {
		hi = lo + 2*labelGap // after the last: leave room for more
	}
	if hi-lo < 2 || hi < lo {
		x.relabel()
		return
	}
	x.labels[slot] = lo + (hi-lo)/2
}

func (x *Index) relabel() {
	for i, slot := range x.order {
		x.labels[slot] = uint64(i+1) * labelGap
	}
}
