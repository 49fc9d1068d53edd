package search_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"chartkeeper/chart/search"
	"chartkeeper/chart/synth"
)

// The oracle reads the rules of the package documentation as literally as
// possible and checks every entry: slow, and independent of the index's
// data structures. In particular it decides typos with a textbook
// edit-distance table over every prefix length allowed, where the index
// uses a linear test and sorted-array lookups.

type oterm struct {
	kind string // "name", "number", "date", "month"
	text string
	alt  string // a date's other reading, or ""
}

var (
	isoDate   = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)
	dotDate   = regexp.MustCompile(`^(\d{1,2})\.(\d{1,2})\.(\d{4})$`)
	yearMonth = regexp.MustCompile(`^(\d{4})-(\d{1,2})$`)
	slashDate = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})/(\d{4})$`)
	sepDate   = regexp.MustCompile(`^(\d{1,2})([/.-])(\d{1,2})([/.-])(\d{4})$`)
	shortDate = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})/(\d{2})$`)
	numeric   = regexp.MustCompile(`^[0-9+\-()./]*[0-9][0-9+\-()./]*$`)
)

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = 10*n + int(c-'0')
	}
	return n
}

func odate(s string) (string, bool) {
	var y, m, d int
	if p := isoDate.FindStringSubmatch(s); p != nil {
		y, m, d = atoi(p[1]), atoi(p[2]), atoi(p[3])
	} else if p := dotDate.FindStringSubmatch(s); p != nil {
		d, m, y = atoi(p[1]), atoi(p[2]), atoi(p[3])
	} else {
		return "", false
	}
	return ymd(y, m, d)
}

// oqueryDate is a query's date read in order: its dates, or none.
func oqueryDate(s string, order search.DateOrder) []string {
	if d, ok := odate(s); ok {
		return []string{d}
	}
	var out []string
	add := func(y, m, d int) {
		if x, ok := ymd(y, m, d); ok && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	if order == search.AnyOrder {
		if p := slashDate.FindStringSubmatch(s); p != nil {
			add(atoi(p[3]), atoi(p[2]), atoi(p[1]))
			add(atoi(p[3]), atoi(p[1]), atoi(p[2]))
		}
		return out
	}
	if p := sepDate.FindStringSubmatch(s); p != nil && p[2] == p[4] {
		add(atoi(p[5]), atoi(p[3]), atoi(p[1]))
	} else if p := shortDate.FindStringSubmatch(s); p != nil {
		// every year ending so whose date lies in the hundred years up to today
		now := time.Now()
		today := now.Format("2006-01-02")
		century := now.AddDate(-100, 0, 0).Format("2006-01-02")
		for y := now.Year() - 100; y <= now.Year(); y++ {
			if y%100 != atoi(p[3]) {
				continue
			}
			if d, ok := ymd(y, atoi(p[2]), atoi(p[1])); ok && d > century && d <= today {
				add(y, atoi(p[2]), atoi(p[1]))
			}
		}
	}
	return out
}

func ymd(y, m, d int) (string, bool) {
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return "", false
	}
	return t.Format("2006-01-02"), true
}

func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if '0' <= r && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func owords(folded string) []string {
	return strings.FieldsFunc(folded, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
	})
}

func oparse(q string, order search.DateOrder) []oterm {
	var out []oterm
	num := ""
	flush := func() {
		if len(num) >= 3 {
			out = append(out, oterm{kind: "number", text: num})
		} else if num != "" {
			out = append(out, oterm{kind: "name", text: num})
		}
		num = ""
	}
	for _, raw := range strings.FieldsFunc(q, func(r rune) bool { return unicode.IsSpace(r) || r == ',' }) {
		if ds := oqueryDate(raw, order); len(ds) > 0 {
			flush()
			t := oterm{kind: "date", text: ds[0]}
			if len(ds) > 1 {
				t.alt = ds[1]
			}
			out = append(out, t)
		} else if p := yearMonth.FindStringSubmatch(raw); p != nil && atoi(p[2]) >= 1 && atoi(p[2]) <= 12 {
			flush()
			out = append(out, oterm{kind: "month", text: fmt.Sprintf("%s-%02d", p[1], atoi(p[2]))})
		} else if numeric.MatchString(raw) {
			num += onlyDigits(raw)
		} else {
			flush()
			for _, w := range owords(search.Fold(raw)) {
				out = append(out, oterm{kind: "name", text: w})
			}
		}
	}
	flush()
	return out
}

func oTypo(word, term string) bool {
	w, t := []rune(word), []rune(term)
	for l := len(t) - 1; l <= len(t)+1; l++ {
		if l >= 0 && l <= len(w) && search.OSADistance(w[:l], t) == 1 {
			return true
		}
	}
	return false
}

var wordCache sync.Map // names joined by NUL -> []string

func entryWords(e search.Entry) []string {
	key := strings.Join(e.Names, "\x00")
	if ws, ok := wordCache.Load(key); ok {
		return ws.([]string)
	}
	var ws []string
	for _, n := range e.Names {
		parts := owords(search.Fold(n))
		ws = append(ws, parts...)
		if len(parts) > 1 {
			ws = append(ws, strings.Join(parts, ""))
		}
	}
	wordCache.Store(key, ws)
	return ws
}

func odob(e search.Entry) string {
	if d, ok := odate(strings.TrimSpace(e.DOB)); ok {
		return d
	}
	return strings.TrimSpace(e.DOB)
}

func omatch(e search.Entry, t oterm) (search.Kind, bool) {
	switch t.kind {
	case "name":
		best, ok := search.Kind(0), false
		for _, w := range entryWords(e) {
			var k search.Kind
			switch {
			case w == t.text:
				k = search.Exact
			case strings.HasPrefix(w, t.text):
				k = search.Prefix
			case len([]rune(t.text)) >= 4 && oTypo(w, t.text):
				k = search.Typo
			default:
				continue
			}
			if !ok || k < best {
				best, ok = k, true
			}
		}
		return best, ok
	case "number":
		if m := onlyDigits(e.MRN); m != "" && strings.HasPrefix(m, t.text) {
			return search.MRN, true
		}
		for _, p := range e.Phones {
			if d := onlyDigits(p); strings.HasPrefix(d, t.text) || strings.HasSuffix(d, t.text) {
				return search.Phone, true
			}
		}
	case "date":
		return search.DOB, odob(e) == t.text || t.alt != "" && odob(e) == t.alt
	case "month":
		d := odob(e)
		return search.DOB, len(d) == 10 && strings.HasPrefix(d, t.text+"-")
	}
	return 0, false
}

func tier(k search.Kind) int {
	switch k {
	case search.Prefix:
		return 1
	case search.Typo:
		return 2
	}
	return 0
}

func name(e search.Entry, i int) string {
	if i < len(e.Names) {
		return search.Fold(e.Names[i])
	}
	return ""
}

func oracleSearch(es map[string]search.Entry, q string, limit int, order search.DateOrder) []search.Hit {
	terms := oparse(q, order)
	if len(terms) == 0 {
		return nil
	}
	var out []search.Hit
	for _, e := range es {
		var kind search.Kind
		ok := true
		for i, t := range terms {
			k, m := omatch(e, t)
			if !m {
				ok = false
				break
			}
			if i == 0 || tier(k) > tier(kind) {
				kind = k
			}
		}
		if ok {
			out = append(out, search.Hit{ID: e.ID, Kind: kind})
		}
	}
	slices.SortFunc(out, func(a, b search.Hit) int {
		ea, eb := es[a.ID], es[b.ID]
		return cmp.Or(cmp.Compare(tier(a.Kind), tier(b.Kind)),
			strings.Compare(name(ea, 0), name(eb, 0)), strings.Compare(name(ea, 1), name(eb, 1)),
			strings.Compare(a.ID, b.ID))
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// The duplicate rule, read the same way.

func ocompact(s string) string { return strings.Join(owords(search.Fold(s)), "") }

func oclose(a, b string) bool {
	if a == b {
		return true
	}
	ra, rb := []rune(a), []rune(b)
	return min(len(ra), len(rb)) >= 3 && search.OSADistance(ra, rb) <= 1
}

func ogivens(e search.Entry) []string {
	var out []string
	for i := 1; i < len(e.Names); i++ {
		if c := ocompact(e.Names[i]); c != "" {
			out = append(out, c)
		}
	}
	return out
}

func oduplicate(a, b search.Entry) bool {
	dob := odob(a) != "" && odob(a) == odob(b)
	names := osimilarNames(a, b)
	return dob && names || (dob || names) && osamePhone(a, b)
}

func osimilarNames(a, b search.Entry) bool {
	if len(a.Names) > 0 && len(b.Names) > 0 {
		fa, fb := ocompact(a.Names[0]), ocompact(b.Names[0])
		ga, gb := ogivens(a), ogivens(b)
		given := func(x, y string) bool { return oclose(x, y) || strings.HasPrefix(x, y) || strings.HasPrefix(y, x) }
		givens := len(ga) == 0 && len(gb) == 0
		for _, x := range ga {
			for _, y := range gb {
				givens = givens || given(x, y)
			}
		}
		swapped := len(ga) > 0 && len(gb) > 0 &&
			(oclose(ga[0], fb) && given(fa, gb[0]) || oclose(fa, gb[0]) && given(ga[0], fb))
		if fa != "" && fb != "" && (oclose(fa, fb) && givens || swapped) {
			return true
		}
	}
	return false
}

func osamePhone(a, b search.Entry) bool {
	for _, p := range a.Phones {
		for _, q := range b.Phones {
			x, y := onlyDigits(p), onlyDigits(q)
			if len(x) > len(y) {
				x, y = y, x
			}
			if len(x) >= 7 && strings.HasSuffix(y, x) {
				return true
			}
		}
	}
	return false
}

// nameOrder compares entries as the index ranks them.
func nameOrder(a, b search.Entry) int {
	return cmp.Or(strings.Compare(name(a, 0), name(b, 0)), strings.Compare(name(a, 1), name(b, 1)), strings.Compare(a.ID, b.ID))
}

func oraclePairs(es map[string]search.Entry) [][2]string {
	list := make([]search.Entry, 0, len(es))
	for _, e := range es {
		list = append(list, e)
	}
	slices.SortFunc(list, nameOrder)
	var out [][2]string
	for i := range list {
		for j := i + 1; j < len(list); j++ {
			if oduplicate(list[i], list[j]) {
				out = append(out, [2]string{list[i].ID, list[j].ID})
			}
		}
	}
	return out
}

// population makes n synthetic entries, and among them some deliberate
// duplicates: a typo in the family name, an initial for the given name,
// family and given swapped, the phone without its country code.
func population(seed uint64, n int) []search.Entry {
	g := synth.NewAt(seed, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	r := rand.New(rand.NewPCG(seed, 99))
	var es []search.Entry
	for i := range n {
		es = append(es, fromPerson(fmt.Sprintf("P%06d", i), 40_000_000+uint64(i)*37, g.Person()))
	}
	for i := range n / 20 {
		e := es[r.IntN(n)]
		d := search.Entry{ID: fmt.Sprintf("D%05d", i), MRN: fmt.Sprint(90_000_000 + i), DOB: e.DOB, Names: slices.Clone(e.Names)}
		switch i % 4 {
		case 0:
			d.Names[0] = edit(r, d.Names[0])
		case 1:
			d.Names[1] = string([]rune(d.Names[1])[:1]) + "."
		case 2:
			d.Names[0], d.Names[1] = d.Names[1], d.Names[0]
		case 3:
			d.DOB = ""
			d.Phones = []string{e.Phones[0][3:]} // "555 01xx xxxx"
		}
		es = append(es, d)
	}
	return es
}

func fromPerson(id string, mrn uint64, p synth.Person) search.Entry {
	names := []string{p.Family, p.Given}
	if p.Preferred != "" {
		names = append(names, p.Preferred)
	}
	return search.Entry{ID: id, MRN: fmt.Sprint(mrn), Names: names, DOB: p.DOB.Format(time.DateOnly), Phones: []string{p.Phone}}
}

// edit makes one random typing mistake in s.
func edit(r *rand.Rand, s string) string {
	rs := []rune(s)
	if len(rs) < 2 {
		return s + "x"
	}
	i := r.IntN(len(rs) - 1)
	switch r.IntN(4) {
	case 0: // substitute with a letter from elsewhere in the name
		rs[i] = rs[r.IntN(len(rs))]
	case 1: // insert
		rs = slices.Insert(rs, i, rs[r.IntN(len(rs))])
	case 2: // delete
		rs = slices.Delete(rs, i, i+1)
	default: // transpose
		rs[i], rs[i+1] = rs[i+1], rs[i]
	}
	return string(rs)
}

// queries makes queries of every shape from the population.
func queries(r *rand.Rand, es []search.Entry, n int) []string {
	pickWord := func() string {
		e := es[r.IntN(len(es))]
		ws := entryWords(e)
		if len(ws) == 0 {
			return "x"
		}
		return ws[r.IntN(len(ws))]
	}
	prefix := func(w string) string {
		rs := []rune(w)
		return string(rs[:1+r.IntN(len(rs))])
	}
	var qs []string
	for len(qs) < n {
		e := es[r.IntN(len(es))]
		switch r.IntN(12) {
		case 0:
			qs = append(qs, prefix(pickWord()))
		case 1:
			qs = append(qs, edit(r, prefix(pickWord())))
		case 2:
			qs = append(qs, edit(r, edit(r, pickWord())))
		case 3:
			qs = append(qs, prefix(pickWord())+" "+prefix(pickWord()))
		case 4:
			if len(e.Names) > 1 {
				qs = append(qs, e.Names[0]+", "+prefix(e.Names[1]))
			}
		case 5:
			qs = append(qs, edit(r, pickWord())+" "+prefix(pickWord()))
		case 6:
			if e.MRN != "" {
				qs = append(qs, e.MRN[:3+r.IntN(len(e.MRN)-2)])
			}
		case 7:
			if len(e.Phones) > 0 {
				d := onlyDigits(e.Phones[0])
				qs = append(qs, d[r.IntN(len(d)-2):], d[:3+r.IntN(len(d)-2)], e.Phones[0])
			}
		case 8:
			if len(e.DOB) == 10 {
				qs = append(qs, e.DOB, e.DOB[8:]+"."+e.DOB[5:7]+"."+e.DOB[:4], e.DOB[:7],
					e.DOB[8:]+"/"+e.DOB[5:7]+"/"+e.DOB[:4], e.DOB[8:]+"-"+e.DOB[5:7]+"-"+e.DOB[2:4],
					e.DOB[8:]+"/"+e.DOB[5:7]+"/"+e.DOB[2:4])
			}
		case 9:
			if len(e.DOB) == 10 {
				qs = append(qs, prefix(pickWord())+" "+e.DOB[:7])
			}
		case 10:
			qs = append(qs, strings.ToUpper(prefix(pickWord())))
		default:
			qs = append(qs, string(rune('a'+r.IntN(26))))
		}
	}
	return qs
}

func compareWithOracle(t *testing.T, x *search.Index, want map[string]search.Entry, qs []string) {
	t.Helper()
	fails := 0
	kinds := map[search.Kind]int{}
	for _, q := range qs {
		for _, order := range []search.DateOrder{search.AnyOrder, search.DayFirst} {
			all := oracleSearch(want, q, 0, order)
			for _, limit := range []int{0, 1, 20} {
				exp := all
				if limit > 0 && len(exp) > limit {
					exp = exp[:limit]
				}
				got := x.SearchAs(q, limit, order)
				for _, h := range got {
					kinds[h.Kind]++
				}
				if !slices.Equal(got, exp) {
					t.Errorf("SearchAs(%q, %d, %d):\n got  %v\n want %v", q, limit, order, got, exp)
					if fails++; fails > 5 {
						t.FailNow()
					}
				}
			}
		}
	}
	t.Logf("%d queries, hits by kind: %v", len(qs), kinds)
	for k := search.MRN; k <= search.Typo; k++ {
		if kinds[k] == 0 {
			t.Errorf("no %s hit among the queries: they do not test it", k)
		}
	}
}

// TestAgainstOracle runs a history of Build, Put (new and replacing) and
// Remove, and then compares hundreds of queries of every shape with the
// oracle.
func TestAgainstOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	es := population(11, 3000)
	want := map[string]search.Entry{}
	x := search.New()
	x.Build(es[:1500])
	for _, e := range es[:1500] {
		want[e.ID] = e
	}
	for _, e := range es[1500:] {
		x.Put(e)
		want[e.ID] = e
	}
	for i := range 300 { // replace names, remove, re-add
		e := es[r.IntN(len(es))]
		switch i % 3 {
		case 0:
			e.Names = slices.Clone(e.Names)
			e.Names[0] = edit(r, e.Names[0])
			x.Put(e)
			want[e.ID] = e
		case 1:
			x.Remove(e.ID)
			delete(want, e.ID)
		case 2:
			x.Put(e)
			want[e.ID] = e
		}
	}
	if x.Len() != len(want) {
		t.Fatalf("Len() = %d, want %d", x.Len(), len(want))
	}
	qs := queries(r, es, 400)
	compareWithOracle(t, x, want, qs)

	// The same contents built in one go answer the same.
	var all []search.Entry
	for _, e := range want {
		all = append(all, e)
	}
	y := search.New()
	y.Build(all)
	for _, q := range qs {
		if a, b := x.Search(q, 0), y.Search(q, 0); !slices.Equal(a, b) {
			t.Fatalf("Search(%q) after edits %v, after Build %v", q, a, b)
		}
	}
}

func TestDuplicatesAgainstOracle(t *testing.T) {
	es := population(12, 1500)
	want := map[string]search.Entry{}
	x := search.New()
	x.Build(es[:700])
	for _, e := range es[700:] {
		x.Put(e)
	}
	for _, e := range es {
		want[e.ID] = e
	}
	exp := oraclePairs(want)
	got := x.DuplicatePairs(0)
	if !slices.Equal(got, exp) {
		t.Fatalf("DuplicatePairs: %d pairs, oracle %d\n got  %v\n want %v", len(got), len(exp), head(got), head(exp))
	}
	if len(exp) < 50 {
		t.Fatalf("only %d duplicate pairs: the population's planted duplicates are missing", len(exp))
	}
	if l := x.DuplicatePairs(10); !slices.Equal(l, exp[:10]) {
		t.Errorf("DuplicatePairs(10) = %v, want %v", l, exp[:10])
	}
	// Similar agrees with the pairs.
	partners := map[string][]string{}
	for _, p := range exp {
		partners[p[0]] = append(partners[p[0]], p[1])
		partners[p[1]] = append(partners[p[1]], p[0])
	}
	for _, e := range es[:300] {
		exp := partners[e.ID]
		slices.SortFunc(exp, func(a, b string) int { return nameOrder(want[a], want[b]) })
		if got := x.Similar(e); !slices.Equal(got, exp) {
			t.Errorf("Similar(%s %v) = %v, want %v", e.ID, e.Names, got, exp)
		}
	}
}

func head[T any](s []T) []T { return s[:min(len(s), 8)] }

var (
	fuzzOnce  sync.Once
	fuzzIndex *search.Index
	fuzzWant  map[string]search.Entry
)

// FuzzSearch checks that no query makes Search panic and that its answer is
// exactly the oracle's: every hit matches every term, none is missing, the
// order and the limit are right.
func FuzzSearch(f *testing.F) {
	for _, q := range []string{"muller", "Müller jo", "shmid", "καλο", "ёлк", "山", "402", "+1 (555) 014-2231",
		"07.03.1984", "07/03/1984", "07/03/84", "07-03-1984", "1984-03", "smith, jack", "o'brien", "1984-3-7", "31.02.1984", "x y z", "ﾔﾏﾀﾞ", "--", "555 01"} {
		f.Add(q, uint8(10))
	}
	fuzzOnce.Do(func() {
		es := append(slices.Clone(people), population(3, 400)...)
		fuzzIndex = search.New()
		fuzzIndex.Build(es)
		fuzzWant = map[string]search.Entry{}
		for _, e := range es {
			fuzzWant[e.ID] = e
		}
	})
	f.Fuzz(func(t *testing.T, q string, limit uint8) {
		got := fuzzIndex.Search(q, int(limit))
		if exp := oracleSearch(fuzzWant, q, int(limit), search.AnyOrder); !slices.Equal(got, exp) {
			t.Fatalf("Search(%q, %d):\n got  %v\n want %v", q, limit, got, exp)
		}
		if exp, got := oracleSearch(fuzzWant, q, int(limit), search.DayFirst), fuzzIndex.SearchAs(q, int(limit), search.DayFirst); !slices.Equal(got, exp) {
			t.Fatalf("SearchAs(%q, %d, DayFirst):\n got  %v\n want %v", q, limit, got, exp)
		}
		for _, h := range got {
			if _, ok := fuzzIndex.Get(h.ID); !ok {
				t.Fatalf("hit %q is not in the index", h.ID)
			}
		}
	})
}
