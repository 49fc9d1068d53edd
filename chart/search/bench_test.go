package search_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"chartkeeper/chart/search"
	"chartkeeper/chart/synth"
)

// Benchmarks run on 100,000 synthetic patients (chart/synth), built once per
// process. Each reports, besides the mean, the median and the 99th
// percentile of single operations, since a type-ahead search is judged
// keystroke by keystroke:
//
//	CGO_ENABLED=0 go test -run x -bench . -benchtime 2000x ./chart/search/

const benchN = 100_000

var (
	benchOnce    sync.Once
	benchEntries []search.Entry
	benchPeople  []synth.Person
	benchIdx     *search.Index
)

func benchData(b *testing.B) (*search.Index, []search.Entry, []synth.Person) {
	benchOnce.Do(func() {
		g := synth.NewAt(2026, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		for i := range benchN {
			p := g.Person()
			benchPeople = append(benchPeople, p)
			benchEntries = append(benchEntries, fromPerson(fmt.Sprintf("P%06d", i), 40_000_000+uint64(i)*37, p))
		}
		benchIdx = search.New()
		benchIdx.Build(benchEntries)
	})
	return benchIdx, benchEntries, benchPeople
}

// timings collects single-operation durations and reports their median
// and 99th percentile.
type timings []time.Duration

func (t timings) report(b *testing.B) {
	if len(t) == 0 {
		return
	}
	s := slices.Clone(t)
	slices.Sort(s)
	b.ReportMetric(float64(s[len(s)/2].Nanoseconds())/1e3, "median-µs")
	b.ReportMetric(float64(s[len(s)*99/100].Nanoseconds())/1e3, "p99-µs")
}

func runes(s string, n int) string {
	r := []rune(s)
	return string(r[:min(n, len(r))])
}

// benchQueries makes 512 queries of one shape from random patients of the
// given scripts (all scripts if none), as a user would type them.
func benchQueries(people []synth.Person, seed uint64, make func(r *rand.Rand, p synth.Person) string, scripts ...string) []string {
	r := rand.New(rand.NewPCG(seed, 1))
	var qs []string
	for len(qs) < 512 {
		p := people[r.IntN(len(people))]
		if len(scripts) > 0 && !slices.Contains(scripts, p.Script) {
			continue
		}
		if q := make(r, p); q != "" {
			qs = append(qs, q)
		}
	}
	return qs
}

func BenchmarkSearch100k(b *testing.B) {
	x, _, people := benchData(b)
	shapes := []struct {
		name string
		qs   []string
	}{
		{"1-letter", benchQueries(people, 1, func(_ *rand.Rand, p synth.Person) string { return runes(p.Family, 1) }, "latin", "latin-accented")},
		{"1-letter-any-script", benchQueries(people, 2, func(_ *rand.Rand, p synth.Person) string { return runes(p.Family, 1) })},
		{"3-letters", benchQueries(people, 3, func(_ *rand.Rand, p synth.Person) string { return runes(p.Family, 3) })},
		{"family", benchQueries(people, 4, func(_ *rand.Rand, p synth.Person) string { return p.Family })},
		{"family+given-prefix", benchQueries(people, 5, func(_ *rand.Rand, p synth.Person) string { return p.Family + " " + runes(p.Given, 2) })},
		{"given-prefix+family-prefix", benchQueries(people, 6, func(_ *rand.Rand, p synth.Person) string { return runes(p.Given, 1) + " " + runes(p.Family, 1) })},
		{"typo", benchQueries(people, 7, func(r *rand.Rand, p synth.Person) string {
			if utf8.RuneCountInString(p.Family) < 5 {
				return ""
			}
			return edit(r, p.Family)
		})},
		{"typo-while-typing", benchQueries(people, 8, func(r *rand.Rand, p synth.Person) string {
			if utf8.RuneCountInString(p.Family) < 7 {
				return ""
			}
			return edit(r, runes(p.Family, 5))
		}, "latin", "latin-accented")},
		{"accented-typed-plain", benchQueries(people, 9, func(_ *rand.Rand, p synth.Person) string {
			return strings.ToUpper(runes(search.Fold(p.Family), 4))
		}, "latin-accented")},
		{"greek-prefix", benchQueries(people, 10, func(_ *rand.Rand, p synth.Person) string { return runes(p.Family, 4) }, "greek")},
		{"cyrillic-prefix", benchQueries(people, 11, func(_ *rand.Rand, p synth.Person) string { return runes(p.Family, 3) }, "cyrillic")},
		{"arabic-prefix", benchQueries(people, 12, func(_ *rand.Rand, p synth.Person) string { return runes(p.Family, 3) }, "arabic")},
		{"cjk-1-char", benchQueries(people, 13, func(_ *rand.Rand, p synth.Person) string { return runes(p.Family, 1) }, "cjk")},
		{"dob", benchQueries(people, 14, func(_ *rand.Rand, p synth.Person) string { return p.DOB.Format(time.DateOnly) })},
		{"dob-dotted+name", benchQueries(people, 15, func(_ *rand.Rand, p synth.Person) string {
			return p.DOB.Format("02.01.2006") + " " + runes(p.Family, 2)
		})},
		{"mrn-prefix", benchQueries(people, 16, func(r *rand.Rand, _ synth.Person) string {
			return fmt.Sprint(40_000_000 + 37*r.IntN(benchN))[:5]
		})},
		{"phone", benchQueries(people, 17, func(_ *rand.Rand, p synth.Person) string { return p.Phone })},
		{"phone-local", benchQueries(people, 18, func(_ *rand.Rand, p synth.Person) string { return p.Phone[7:] })},
		{"phone-typing", benchQueries(people, 19, func(r *rand.Rand, p synth.Person) string { return p.Phone[:6+r.IntN(len(p.Phone)-6)] })},
	}
	for _, s := range shapes {
		b.Run(s.name, func(b *testing.B) {
			var t timings
			hits, i := 0, 0
			for b.Loop() {
				q := s.qs[i%len(s.qs)]
				i++
				start := time.Now()
				hits += len(x.Search(q, 50))
				t = append(t, time.Since(start))
			}
			t.report(b)
			b.ReportMetric(float64(hits)/float64(i), "hits/op")
		})
	}
}

// BenchmarkBuild100k builds a fresh index of 100,000 patients. It builds
// at most five times whatever b.N says (-benchtime 2000x would take
// minutes) and reports its own ns/op, and the heap the index holds.
func BenchmarkBuild100k(b *testing.B) {
	_, es, _ := benchData(b)
	var t timings
	var kept *search.Index
	var before, after runtime.MemStats
	for i := range min(b.N, 5) {
		kept = nil
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		x := search.New()
		x.Build(es)
		t = append(t, time.Since(start))
		if i == 0 {
			kept = x
			runtime.GC()
			runtime.ReadMemStats(&after)
		}
	}
	runtime.KeepAlive(kept)
	t.report(b)
	var sum time.Duration
	for _, d := range t {
		sum += d
	}
	b.ReportMetric(float64(sum.Nanoseconds())/float64(len(t)), "ns/op")
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB-heap")
}

// BenchmarkPut100k adds, replaces and removes single entries in an index
// of 100,000, and searches right after each change (nothing is rebuilt
// lazily, so that search costs what any other does).
func BenchmarkPut100k(b *testing.B) {
	_, es, _ := benchData(b)
	x := search.New()
	x.Build(es)
	g := synth.NewAt(77, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	r := rand.New(rand.NewPCG(3, 4))
	n := 0
	b.Run("add", func(b *testing.B) {
		var t timings
		for b.Loop() {
			e := fromPerson(fmt.Sprintf("N%07d", n), 50_000_000+uint64(n), g.Person())
			n++
			start := time.Now()
			x.Put(e)
			t = append(t, time.Since(start))
		}
		t.report(b)
	})
	b.Run("replace-new-name", func(b *testing.B) {
		var t timings
		for b.Loop() {
			e := es[r.IntN(len(es))]
			e.Names = []string{e.Names[0] + fmt.Sprint(n), e.Names[1]}
			n++
			start := time.Now()
			x.Put(e)
			t = append(t, time.Since(start))
		}
		t.report(b)
	})
	b.Run("remove", func(b *testing.B) {
		var t timings
		for b.Loop() {
			id := es[r.IntN(len(es))].ID
			start := time.Now()
			x.Remove(id)
			t = append(t, time.Since(start))
		}
		t.report(b)
	})
	b.Run("search-after-put", func(b *testing.B) {
		var t timings
		for b.Loop() {
			e := es[r.IntN(len(es))]
			e.Names = []string{e.Names[0] + "z", e.Names[1]}
			x.Put(e)
			start := time.Now()
			x.Search(runes(e.Names[0], 2), 50)
			t = append(t, time.Since(start))
		}
		t.report(b)
	})
}

func BenchmarkSimilar100k(b *testing.B) {
	x, es, _ := benchData(b)
	var t timings
	i := 0
	for b.Loop() {
		e := es[(i*7919)%len(es)]
		i++
		start := time.Now()
		x.Similar(e)
		t = append(t, time.Since(start))
	}
	t.report(b)
}

// BenchmarkDuplicatePairs100k runs at most three times whatever b.N says.
func BenchmarkDuplicatePairs100k(b *testing.B) {
	x, _, _ := benchData(b)
	var t timings
	pairs := 0
	for range min(b.N, 3) {
		start := time.Now()
		pairs = len(x.DuplicatePairs(0))
		t = append(t, time.Since(start))
	}
	t.report(b)
	b.ReportMetric(float64(t[0].Nanoseconds()), "ns/op")
	b.ReportMetric(float64(pairs), "pairs")
}
