package search_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"chartkeeper/chart/search"
)

// TestDenseNumber covers a number matching most entries, where Search walks
// all entries in name order instead of sorting the matches: here the
// matches are all at the end of that order.
func TestDenseNumber(t *testing.T) {
	x := search.New()
	var want []string
	for i := range 1000 {
		e := search.Entry{ID: fmt.Sprintf("e%04d", i), Names: []string{fmt.Sprintf("a%04d", i)}, MRN: fmt.Sprint(10_000_000 + i)}
		if i >= 900 {
			e.Names[0] = fmt.Sprintf("z%04d", i)
			e.MRN = fmt.Sprint(40_000_000 + i)
		}
		x.Put(e)
	}
	for i := 900; i < 1000; i++ {
		want = append(want, fmt.Sprintf("e%04d:MRN", i))
	}
	for _, limit := range []int{0, 5, 100, 150} {
		n := len(want)
		if limit > 0 {
			n = min(limit, n)
		}
		if got := hits(x.Search("4000", limit)); got != strings.Join(want[:n], " ") {
			t.Errorf("Search(4000, %d) = %q", limit, got)
		}
	}
}

// TestManyInsertsInOneGap puts entries that all sort between the same two
// neighbours, which exhausts the gap between their labels and forces the
// index to renumber; the order must survive.
func TestManyInsertsInOneGap(t *testing.T) {
	x := search.New()
	x.Put(search.Entry{ID: "first", Names: []string{"a"}})
	x.Put(search.Entry{ID: "last", Names: []string{"ab"}})
	want := []string{"first:Exact"}
	var later []string
	for k := 80; k >= 1; k-- { // "a000…0" with fewer zeros each time: each sorts before the last
		id := fmt.Sprintf("z%02d", k)
		x.Put(search.Entry{ID: id, Names: []string{"a" + strings.Repeat("0", k)}})
		later = append(later, id+":Prefix")
	}
	slices.Reverse(later)
	want = append(want, later...)
	want = append(want, "last:Prefix")
	if got := hits(x.Search("a", 0)); got != strings.Join(want, " ") {
		t.Errorf("Search(a) =\n%s\nwant\n%s", got, strings.Join(want, " "))
	}
}

func TestDuplicates(t *testing.T) {
	x := search.New()
	x.Build([]search.Entry{
		{ID: "d1", Names: []string{"Smith", "John"}, DOB: "1970-01-01"},
		{ID: "d2", Names: []string{"Smyth", "Jon"}, DOB: "1970-01-01"},                                          // one edit in each
		{ID: "d3", Names: []string{"SMITH", "J."}, DOB: "01.01.1970"},                                           // initial; other date form
		{ID: "d4", Names: []string{"John", "Smith"}, DOB: "1970-01-01"},                                         // swapped
		{ID: "d5", Names: []string{"Smith", "Mary"}, DOB: "1970-01-01"},                                         // another person
		{ID: "d6", Names: []string{"Smith", "John"}, DOB: "1971-01-01"},                                         // another birthday
		{ID: "d7", Names: []string{"Other", "Person"}, Phones: []string{"+1 (555) 777-1234"}},                   // same line as d8
		{ID: "d8", Names: []string{"Other", "P."}, Phones: []string{"777 1234"}},                                // local number, similar name
		{ID: "d9", Names: []string{"Third", "Party"}, Phones: []string{"+44 555 777 1234"}},                     // same local as d8, another name
		{ID: "d10", Names: []string{"Li", "Wei"}, DOB: "1980-01-01"},                                            //
		{ID: "d11", Names: []string{"Lu", "Wei"}, DOB: "1980-01-01"},                                            // two letters: not a typo
		{ID: "d12", Names: []string{"Müller-Lüdenscheidt", "Ånna"}, DOB: "1990-05-05", Phones: []string{"123"}}, //
		{ID: "d13", Names: []string{"Muller Ludenscheidt", "Anna"}, DOB: "1990-05-05", Phones: []string{"123"}}, // spelling; short phones never match
		{ID: "d14", Names: []string{"Müller", "Anna"}, DOB: "1990-05-05"},                                       // another family name
		{ID: "d15", Names: []string{"Doe", "Jane"}, DOB: "1950-01-01", Phones: []string{"555 014 9999"}},        // a household:
		{ID: "d16", Names: []string{"Roe", "Max"}, DOB: "1986-01-01", Phones: []string{"555 014 9999"}},         // only the phone shared
	})
	// In name order: john smith (d4), muller ludenscheidt (d13, a space sorts
	// before a hyphen), muller-ludenscheidt (d12), other (d7), smith j. (d3),
	// smith john (d1), smyth (d2), third (d9), unrelated (d8).
	want := [][2]string{
		{"d4", "d3"}, {"d4", "d1"}, {"d4", "d2"}, // swapped, and J. is still an initial
		{"d13", "d12"},
		{"d8", "d7"},
		{"d3", "d1"}, {"d3", "d2"},
		{"d1", "d2"},
	}
	if got := x.DuplicatePairs(0); !slices.Equal(got, want) {
		t.Fatalf("DuplicatePairs =\n%v\nwant\n%v", got, want)
	}
	for _, c := range []struct {
		id   string
		want []string
	}{
		{"d1", []string{"d4", "d3", "d2"}},
		{"d4", []string{"d3", "d1", "d2"}},
		{"d5", nil},
		{"d6", nil},
		{"d8", []string{"d7"}},
		{"d9", nil},
		{"d15", nil},
		{"d7", []string{"d8"}},
		{"d10", nil},
		{"d12", []string{"d13"}},
		{"d14", nil},
	} {
		e, _ := x.Get(c.id)
		if got := x.Similar(e); !slices.Equal(got, c.want) {
			t.Errorf("Similar(%s) = %v, want %v", c.id, got, c.want)
		}
	}
	// An entry not in the index.
	if got := x.Similar(search.Entry{ID: "new", Names: []string{"Smith", "Jo"}, DOB: "1970-01-01"}); !slices.Equal(got, []string{"d4", "d3", "d1", "d2"}) {
		t.Errorf("Similar(new) = %v", got)
	}
	if got := x.DuplicatePairs(3); !slices.Equal(got, want[:3]) {
		t.Errorf("DuplicatePairs(3) = %v", got)
	}
	for _, c := range []struct {
		a, b string
		want search.Reason
	}{
		{"d1", "d2", search.SimilarName | search.SameBirthDate},
		{"d7", "d8", search.SimilarName | search.SamePhone},
		{"d12", "d13", search.SimilarName | search.SameBirthDate},
		{"d8", "d9", search.SamePhone},
		{"d15", "d16", search.SamePhone},
		{"d1", "d6", search.SimilarName},
		{"d1", "nobody", 0},
	} {
		if got := x.Why(c.a, c.b); got != c.want || got.Candidate() != (c.want.Candidate()) {
			t.Errorf("Why(%s, %s) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
	if w := x.Why("d15", "d16"); w.Candidate() || w.String() != "same phone" {
		t.Errorf("a household sharing only a phone: %q, candidate %v", w, w.Candidate())
	}
	if w := x.Why("d7", "d8"); !w.Candidate() || w.String() != "similar name, same phone" {
		t.Errorf("Why(d7, d8) = %q, candidate %v", w, w.Candidate())
	}
	x.Remove("d8")
	if got := x.Similar(search.Entry{ID: "d7", Names: []string{"Other", "Person"}, Phones: []string{"15557771234"}}); len(got) != 0 {
		t.Errorf("after Remove, Similar = %v", got)
	}
}

// TestConcurrent searches from several goroutines while others Put and
// Remove. Run it with -race (CGO_ENABLED=1 go test -race) to have it prove
// anything about locking; without it, it still checks that searches see
// consistent results.
func TestConcurrent(t *testing.T) {
	es := population(21, 2000)
	x := search.New()
	x.Build(es)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 4 {
		wg.Go(func() {
			qs := []string{"a", "ka", "smith jo", "1555", "1984-03", "ст", "山", es[w].Names[0]}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				q := qs[i%len(qs)]
				hs := x.Search(q, 20)
				if len(hs) > 20 {
					t.Errorf("Search(%q, 20) gave %d hits", q, len(hs))
				}
				seen := map[string]bool{}
				for _, h := range hs {
					if seen[h.ID] {
						t.Errorf("Search(%q) gave %s twice", q, h.ID)
					}
					seen[h.ID] = true
				}
				x.Similar(es[i%len(es)])
				if i%50 == 0 {
					x.DuplicatePairs(10)
				}
			}
		})
	}
	var writers sync.WaitGroup
	for w := range 2 {
		writers.Go(func() {
			for i := range 500 {
				e := es[(w*1000+i)%len(es)]
				if i%3 == 0 {
					x.Remove(e.ID)
				} else {
					e.Names = []string{e.Names[0] + "x", "Changed"}
					x.Put(e)
				}
				x.Len()
				x.Get(e.ID)
				x.ByMRN(e.MRN)
			}
		})
	}
	writers.Wait()
	close(stop)
	wg.Wait()
	// Each writer removed 167 entries and changed 333.
	if got := len(x.Search("changed", 0)); got != 666 {
		t.Errorf("%d entries changed, want 666", got)
	}
	if x.Len() != len(es)-334 {
		t.Errorf("Len() = %d, want %d", x.Len(), len(es)-334)
	}
}
