package search_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"chartkeeper/chart/search"
)

// people is a small clinic with names in several scripts.
var people = []search.Entry{
	{ID: "p01", MRN: "40213378", Names: []string{"Müller", "Anna"}, DOB: "1984-03-07", Phones: []string{"+1 (555) 014-2231"}},
	{ID: "p02", MRN: "40213379", Names: []string{"Muller", "Hans"}, DOB: "1950-11-02"},
	{ID: "p03", MRN: "51000001", Names: []string{"Schmidt", "Petra"}, DOB: "1972-05-30", Phones: []string{"555 0199 876"}},
	{ID: "p04", MRN: "51000002", Names: []string{"Καλοσπύρου", "Ζωή"}, DOB: "1990-01-15"},
	{ID: "p05", MRN: "51000003", Names: []string{"Ёлкин", "Дмитрий"}, DOB: "1966-07-21"},
	{ID: "p06", MRN: "51000004", Names: []string{"الرحمن", "فاطمة"}, DOB: "2001-12-01"},
	{ID: "p07", MRN: "51000005", Names: []string{"山田", "太郎"}, DOB: "1979-04-04"},
	{ID: "p08", MRN: "62000001", Names: []string{"山本", "花子"}, DOB: "1981-08-18"},
	{ID: "p09", MRN: "62000002", Names: []string{"聂鞠", "然明"}, DOB: "2010-02-28"},
	{ID: "p10", MRN: "62000003", Names: []string{"Smith", "John", "Jack"}, DOB: "1984-03-12"},
	{ID: "p11", MRN: "62000004", Names: []string{"Smithson", "Mary"}, DOB: "1999-09-09"},
	{ID: "p12", MRN: "62000005", Names: []string{"Smyth", "Jon"}, DOB: "1961-06-16"},
	{ID: "p13", MRN: "73000001", Names: []string{"Brézavin", "Élodie"}, DOB: "1977-10-10"},
	{ID: "p14", MRN: "73000002", Names: []string{"O'Brien", "Seán"}, DOB: "1955-05-05"},
	{ID: "p15", MRN: "73000003", Names: []string{"Öztürkel", "Ayşe"}, DOB: "1988-12-24"},
}

func clinic(t testing.TB) *search.Index {
	t.Helper()
	x := search.New()
	x.Build(people)
	if x.Len() != len(people) {
		t.Fatalf("Len() = %d, want %d", x.Len(), len(people))
	}
	return x
}

// hits renders hits as "id:Kind id:Kind" for readable comparisons.
func hits(hs []search.Hit) string {
	var b strings.Builder
	for i, h := range hs {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s:%s", h.ID, h.Kind)
	}
	return b.String()
}

// expect checks the full result of each query, in order.
func expect(t *testing.T, x *search.Index, cases map[string]string) {
	t.Helper()
	for q, want := range cases {
		if got := hits(x.Search(q, 0)); got != want {
			t.Errorf("Search(%q) = %q, want %q", q, got, want)
		}
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Müller": "muller", "MÜLLER": "muller", "Ζωή": "ζωη", "ΚΑΛΟΣ": "καλοσ", "καλος": "καλοσ",
		"Ёлкин": "елкин", "Brézavin": "brezavin", "Ayşe": "ayse", "الرَّحْمَن": "الرحمن", "عـلـي": "علي",
		"山田": "山田", "ﾔﾏﾀﾞ": "ヤマタ", "ﬁne": "fine", "O'Brien": "o'brien", "plain": "plain",
		"a\u200cb": "ab", "e\u0301": "e", "İstanbul": "istanbul",
	} {
		if got := search.Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAccentsBothWays(t *testing.T) {
	x := clinic(t)
	expect(t, x, map[string]string{
		"muller":    "p01:Exact p02:Exact",
		"Müller":    "p01:Exact p02:Exact",
		"MULLER":    "p01:Exact p02:Exact",
		"brezavin":  "p13:Exact",
		"BRÉZAVIN":  "p13:Exact",
		"elod":      "p13:Prefix",
		"Élod":      "p13:Prefix",
		"ozturk":    "p15:Prefix",
		"ÖZTÜRKEL":  "p15:Exact",
		"ayse":      "p15:Exact",
		"sean":      "p14:Exact",
		"obrien":    "p14:Exact", // the name's words run together
		"o'brien":   "p14:Exact", // o and brien, both exact
		"brien":     "p14:Exact",
		"muller jo": "",
	})
}

func TestScripts(t *testing.T) {
	x := clinic(t)
	expect(t, x, map[string]string{
		"καλο":       "p04:Prefix",
		"ΚΑΛΟΣΠΎΡΟΥ": "p04:Exact",
		"καλοσπυρου": "p04:Exact",
		"ζωη":        "p04:Exact",
		"Ζ":          "p04:Prefix",
		"ёлк":        "p05:Prefix",
		"елкин":      "p05:Exact",
		"дми":        "p05:Prefix",
		"الرح":       "p06:Prefix",
		"الرَّحمن":   "p06:Exact", // vocalised query, unvocalised record
		"فاط":        "p06:Prefix",
		"山":          "p08:Prefix p07:Prefix", // 本 sorts before 田
		"山田":         "p07:Exact",
		"太":          "p07:Prefix",
		"聂":          "p09:Prefix",
		"然明":         "p09:Exact",
		"田":          "",
	})
}

func TestTypos(t *testing.T) {
	x := clinic(t)
	expect(t, x, map[string]string{
		"schmodt":  "p03:Typo", // substitution
		"schmiddt": "p03:Typo", // insertion
		"schmdt":   "p03:Typo", // deletion
		"schmidt":  "p03:Exact",
		"scmhidt":  "p03:Typo", // transposition
		"xchmidt":  "p03:Typo", // first letter wrong
		"chmidt":   "p03:Typo", // first letter left out
		"cshmidt":  "p03:Typo", // first two swapped
		"sxhmidt":  "p03:Typo", // second letter wrong
		"shmid":    "p03:Typo", // typo while still typing
		"schnid":   "p03:Typo",
		"petar":    "p03:Typo",
		"ёлкни":    "p05:Typo",
		"shmodt":   "", // two mistakes
		"schmodtt": "", // two mistakes
		"smz":      "", // three letters: no typo allowance
		"smy":      "p12:Prefix",
	})
}

func TestAndRanking(t *testing.T) {
	x := clinic(t)
	expect(t, x, map[string]string{
		// Exact before Prefix before Typo.
		"smith": "p10:Exact p11:Prefix p12:Typo",
		// AND: every term must match; a hit is as good as its weakest term.
		"smith john":  "p10:Exact p12:Typo",  // and jon from john
		"smith jo":    "p10:Prefix p12:Typo", // smyth is one edit from smith
		"smith mary":  "p11:Prefix",
		"smith petra": "",
		"john smith":  "p10:Exact p12:Typo",
		"smith, jack": "p10:Exact",
		// Within a tier, by family name, then given name, then ID.
		"m": "p01:Prefix p02:Prefix p11:Prefix",
		"j": "p10:Prefix p12:Prefix",
		// Mixed kinds: the weakest term's kind.
		"smith 1984-03-12":  "p10:Exact",
		"smi 1984-03-12":    "p10:Prefix",
		"muller 1984-03-07": "p01:Exact",
		"1984-03-07 muller": "p01:DOB",
		"402 hans":          "p02:MRN",
		"402 han":           "p02:Prefix",
	})
	// limit keeps the head of the full ranking.
	all := x.Search("s", 0)
	for limit := 1; limit <= len(all)+1; limit++ {
		got := x.Search("s", limit)
		want := all[:min(limit, len(all))]
		if !slices.Equal(got, want) {
			t.Errorf("Search(s, %d) = %v, want %v", limit, got, want)
		}
	}
}

func TestDatesAndNumbers(t *testing.T) {
	x := clinic(t)
	expect(t, x, map[string]string{
		"1984-03-07": "p01:DOB",
		"07.03.1984": "p01:DOB",
		"7.3.1984":   "p01:DOB",
		"1984-3-7":   "p01:DOB",
		"1984-03":    "p01:DOB p10:DOB",
		"1984-3":     "p01:DOB p10:DOB",
		"31.02.1984": "", // not a date, a number matching nothing
		"1984":       "", // a year alone is a number
		// MRN prefix.
		"402":      "p01:MRN p02:MRN",
		"40213378": "p01:MRN",
		"620000":   "p10:MRN p11:MRN p12:MRN p08:MRN p09:MRN",
		"40213377": "",
		// Phones: whole number, in pieces, and the local part only.
		"+1 (555) 014-2231": "p01:Phone",
		"+1 555 014 2231":   "p01:Phone",
		"15550142231":       "p01:Phone",
		"014-2231":          "p01:Phone",
		"555 014 2231":      "p01:Phone",
		"1555":              "p01:Phone",
		"555":               "p03:Phone",
		"9876":              "p03:Phone",
		"0142":              "",
		// Two digits are too few for a number.
		"40": "",
	})
}

func TestPutReplacesAndRemove(t *testing.T) {
	x := clinic(t)
	x.Put(search.Entry{ID: "p03", MRN: "99999999", Names: []string{"Schneider", "Petra"}, DOB: "1972-05-30"})
	if x.Len() != len(people) {
		t.Errorf("Len() = %d after replacing, want %d", x.Len(), len(people))
	}
	expect(t, x, map[string]string{
		"schmidt":   "",
		"schnei":    "p03:Prefix",
		"schneider": "p03:Exact",
		"petra":     "p03:Exact",
		"510000":    "p04:MRN p05:MRN p06:MRN p07:MRN", // the old MRN is gone
		"9999":      "p03:MRN",
		"9876":      "", // so is the old phone
	})
	if e, ok := x.Get("p03"); !ok || e.Names[0] != "Schneider" {
		t.Errorf("Get(p03) = %+v, %v", e, ok)
	}
	if id, ok := x.ByMRN("99999999"); !ok || id != "p03" {
		t.Errorf("ByMRN(99999999) = %q, %v", id, ok)
	}
	if _, ok := x.ByMRN("51000001"); ok {
		t.Error("old MRN still found")
	}

	x.Remove("p10")
	x.Remove("nobody")
	if x.Len() != len(people)-1 {
		t.Errorf("Len() = %d after Remove, want %d", x.Len(), len(people)-1)
	}
	expect(t, x, map[string]string{
		"smith":      "p11:Prefix p12:Typo",
		"john":       "p12:Typo",
		"1984-03":    "p01:DOB",
		"62000003":   "",
		"j":          "p12:Prefix",
		"s":          "p14:Prefix p03:Prefix p11:Prefix p12:Prefix",
		"1984-03-12": "",
	})
	if _, ok := x.Get("p10"); ok {
		t.Error("Get finds a removed entry")
	}
	// The freed slot is reused by a new entry.
	x.Put(search.Entry{ID: "p16", Names: []string{"Smith", "Joan"}, DOB: "1984-03-12"})
	expect(t, x, map[string]string{"smith jo": "p16:Prefix p12:Typo", "smith": "p16:Exact p11:Prefix p12:Typo"})
}

func TestGetIsACopy(t *testing.T) {
	x := search.New()
	e := search.Entry{ID: "a", Names: []string{"Adler", "Eva"}}
	x.Put(e)
	e.Names[0] = "Changed" // the caller's slice: the index must have its own
	got, _ := x.Get("a")
	got.Names[1] = "Changed"
	if again, _ := x.Get("a"); again.Names[0] != "Adler" || again.Names[1] != "Eva" {
		t.Errorf("entry changed through a slice: %+v", again)
	}
	if hits(x.Search("adler eva", 0)) != "a:Exact" {
		t.Error("index changed through the caller's slice")
	}
}

func TestEmpty(t *testing.T) {
	x := search.New()
	if hs := x.Search("a", 10); len(hs) != 0 {
		t.Errorf("empty index: %v", hs)
	}
	x = clinic(t)
	for _, q := range []string{"", "   ", ",,", "-", "()"} {
		if hs := x.Search(q, 10); len(hs) != 0 {
			t.Errorf("Search(%q) = %v", q, hs)
		}
	}
	x.Put(search.Entry{Names: []string{"No ID"}})
	if x.Len() != len(people) {
		t.Error("an entry without ID was added")
	}
}

func TestBuildAddsToExisting(t *testing.T) {
	x := search.New()
	x.Put(people[0])
	x.Put(search.Entry{ID: "p02", Names: []string{"Old", "Name"}})
	x.Build(people[1:])
	if x.Len() != len(people) {
		t.Fatalf("Len() = %d", x.Len())
	}
	expect(t, x, map[string]string{"old": "", "muller": "p01:Exact p02:Exact"})
	// A later entry in the same Build wins.
	x.Build([]search.Entry{{ID: "z", Names: []string{"First"}}, {ID: "z", Names: []string{"Second"}}})
	expect(t, x, map[string]string{"first": "", "second": "z:Exact"})
}

// TestDatesInLanguageOrder: a date with slashes is read in the order of
// the user's language; ISO and dotted dates are read as ever.
func TestDatesInLanguageOrder(t *testing.T) {
	x := search.New()
	x.Build([]search.Entry{
		{ID: "sep", MRN: "10000001", Names: []string{"Okonkwo", "Adaeze"}, DOB: "1961-09-07", Phones: []string{"07 09 19 61 55", "07 09 61 22 33"}},
		{ID: "jul", MRN: "10000002", Names: []string{"Wanjiru", "Amani"}, DOB: "1961-07-09"},
		{ID: "kid", MRN: "10000003", Names: []string{"Rakotobe", "Hery"}, DOB: "2020-03-04"},
		{ID: "old", MRN: "10000004", Names: []string{"Rakotobe", "Voahangy"}, DOB: "1920-03-04"},
	})
	cases := []struct {
		q          string
		any, first string // hits in AnyOrder and DayFirst
	}{
		{"1961-09-07", "sep:DOB", "sep:DOB"},
		{"07.09.1961", "sep:DOB", "sep:DOB"},
		{"07/09/1961", "sep:DOB jul:DOB", "sep:DOB"},
		{"7/9/1961", "sep:DOB jul:DOB", "sep:DOB"},
		{"09/07/1961", "sep:DOB jul:DOB", "jul:DOB"},
		{"13/09/1961", "", ""},                            // no such patient; read day first in both
		{"09/13/1961", "", ""},                            // month first: only AnyOrder takes it, and nobody was born then
		{"07-09-1961", "sep:Phone", "sep:DOB"},            // dashes: a number in AnyOrder (the phone's digits)
		{"07/09/61", "sep:Phone", "sep:DOB"},              // a two-digit year: DayFirst only (AnyOrder: digits)
		{"04/03/20", "", "kid:DOB"},                       // the last hundred years: 2020, not 1920
		{"04/03/1920", "old:DOB", "old:DOB"},              // further back: the year in full
		{"07.09.61", "sep:Phone", "sep:Phone"},            // dots and two-digit groups: a phone number
		{"31/02/1961", "", ""},                            // not a date: a number matching nothing
		{"rakotobe 04/03/2020", "kid:Exact", "kid:Exact"}, // the first of equally good terms names the kind
		{"okonkwo", "sep:Exact", "sep:Exact"},             // names as ever
	}
	for _, c := range cases {
		if got := hits(x.SearchAs(c.q, 0, search.AnyOrder)); got != c.any {
			t.Errorf("SearchAs(%q, AnyOrder) = %q, want %q", c.q, got, c.any)
		}
		if got := hits(x.Search(c.q, 0)); got != c.any {
			t.Errorf("Search(%q) = %q, want %q (AnyOrder)", c.q, got, c.any)
		}
		if got := hits(x.SearchAs(c.q, 0, search.DayFirst)); got != c.first {
			t.Errorf("SearchAs(%q, DayFirst) = %q, want %q", c.q, got, c.first)
		}
	}
}

func TestOnlyDate(t *testing.T) {
	for _, c := range []struct {
		q     string
		order search.DateOrder
		want  string // dates joined by a space; "-": not a date alone
	}{
		{"07/09/1961", search.DayFirst, "1961-09-07"},
		{" 07/09/61 ", search.DayFirst, "1961-09-07"},
		{"07/09/1961", search.AnyOrder, "1961-09-07 1961-07-09"},
		{"13/09/1961", search.AnyOrder, "1961-09-13"},
		{"1961-09-07", search.AnyOrder, "1961-09-07"},
		{"07/09/61", search.AnyOrder, "-"},
		{"smith 07/09/1961", search.DayFirst, "-"},
		{"1961-09", search.DayFirst, "-"},
		{"", search.DayFirst, "-"},
	} {
		ds, ok := search.OnlyDate(c.q, c.order)
		got := strings.Join(ds, " ")
		if !ok {
			got = "-"
		}
		if got != c.want {
			t.Errorf("OnlyDate(%q, %d) = %q, want %q", c.q, c.order, got, c.want)
		}
	}
}
