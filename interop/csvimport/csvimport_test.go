package csvimport_test

import (
	"errors"
	"strings"
	"testing"

	"chartkeeper/chart"
	"chartkeeper/internal/testchart"
	"chartkeeper/internal/testpractice"
	"chartkeeper/interop/csvimport"
	"chartkeeper/store"
)

type practice struct {
	t   testing.TB
	tc  *testchart.Practice
	st  *store.Store
	svc *chart.Service
}

func newPractice(t testing.TB) *practice {
	t.Helper()
	tc := testchart.New(t, testpractice.Config{Name: "CSV Test Clinic", Roles: []store.Role{store.RoleCoder}})
	return &practice{t: t, tc: tc, st: tc.Store, svc: tc.Service}
}

func (p *practice) lastChange() uint64 {
	p.t.Helper()
	return p.tc.LastChange()
}

func (p *practice) count() int {
	n := 0
	if err := p.st.View(func(tx *store.Tx) error {
		return tx.List(chart.TypePatient, func(store.Record) error { n++; return nil })
	}); err != nil {
		p.t.Fatal(err)
	}
	return n
}

func read(t *testing.T, text string, o csvimport.Options) *csvimport.Sheet {
	t.Helper()
	sh, err := csvimport.Read(strings.NewReader(text), o)
	if err != nil {
		t.Fatal(err)
	}
	return sh
}

// A spreadsheet's "CSV UTF-8" export in a European locale: byte order
// mark, semicolons, quoted fields with semicolons and a line break inside,
// names in several scripts, the common header names.
const europeanList = "\ufeffNachname;Vorname;Geburtsdatum;Geschlecht;Telefon;Address;City\r\n" +
	"Παπαδοπούλου;Ζωή;1979-09-21;F;+30 555 0100;\"Οδός 5; 2ος όροφος\";Αθήνα\r\n" +
	"\"Müller-Test\";\"Jörg \"\"Jo\"\"\";1960-01-31;m;;\"Hauptstr. 1\nHinterhaus\";Köln\r\n" +
	";;;;;;\r\n" +
	"テスト;花子;2001-12-24;;;;\r\n" +
	"Тестова;Анна;1990-07-07;weiblich;(555) 010 7777;;Москва\r\n"

func TestReadsEuropeanSpreadsheet(t *testing.T) {
	sh := read(t, europeanList, csvimport.Options{})
	if sh.Separator != ';' || len(sh.Errors) != 0 || len(sh.Rows) != 4 {
		t.Fatalf("separator %q, errors %v, %d rows", sh.Separator, sh.Errors, len(sh.Rows))
	}
	p := sh.Rows[1].Patient
	if p.Family != "Müller-Test" || p.Given != `Jörg "Jo"` || p.DOB != "1960-01-31" || p.Sex != chart.Male || p.Address.Line != "Hauptstr. 1\nHinterhaus" {
		t.Errorf("quoted row: %+v", p)
	}
	if p := sh.Rows[0].Patient; p.Family != "Παπαδοπούλου" || p.Address.Line != "Οδός 5; 2ος όροφος" || p.Sex != chart.Female {
		t.Errorf("Greek row: %+v", p)
	}
	if sh.Rows[2].Patient.Sex != chart.Unknown || sh.Rows[3].Line != 7 || sh.Rows[2].Line != 6 {
		t.Errorf("lines %d %d, sex %q", sh.Rows[2].Line, sh.Rows[3].Line, sh.Rows[2].Patient.Sex)
	}
	if sh.Columns[csvimport.Family] != "Nachname" || sh.Columns[csvimport.DOB] != "Geburtsdatum" {
		t.Errorf("columns %v", sh.Columns)
	}
}

func TestMappingAndDateFormat(t *testing.T) {
	list := "Pt Surname,Pt Forename,Born on,Insurance No\nTestwoman,Ada,07/03/1984,INS-1\nTestman,Bo,31/12/1999,\n"
	if _, err := csvimport.Read(strings.NewReader(list), csvimport.Options{}); err == nil || !strings.Contains(err.Error(), "no column found for the family name and given name and birth date") {
		t.Fatalf("without a mapping: %v", err)
	}
	sh := read(t, list, csvimport.Options{DateFormat: "DD/MM/YYYY",
		Mapping: map[csvimport.Field]string{csvimport.Family: "pt surname", csvimport.Given: "Pt Forename", csvimport.DOB: "Born on"}})
	if len(sh.Rows) != 2 || sh.Rows[0].Patient.DOB != "1984-03-07" || sh.Rows[1].Patient.DOB != "1999-12-31" {
		t.Fatalf("rows %+v errors %v", sh.Rows, sh.Errors)
	}
	if ids := sh.Rows[0].Patient.Identifiers; len(ids) != 1 || ids[0] != (chart.Identifier{System: "insurance", Value: "INS-1"}) {
		t.Errorf("identifiers %v", ids)
	}
	if _, err := csvimport.Read(strings.NewReader(list), csvimport.Options{Mapping: map[csvimport.Field]string{csvimport.Family: "Nope"}}); err == nil || !strings.Contains(err.Error(), `column "Nope" for family`) {
		t.Errorf("unknown mapped column: %v", err)
	}
	// one full-name column, "Family, Given" or "Given Family"
	sh = read(t, "Name,DOB\n\"Testsson, Eva Lena\",1950-05-05\nKim Testlee,1960-06-06\nPrince,1970-07-07\n", csvimport.Options{})
	if len(sh.Rows) != 2 || sh.Rows[0].Patient.Given != "Eva Lena" || sh.Rows[1].Patient.Family != "Testlee" || len(sh.Errors) != 1 || sh.Errors[0].Line != 4 {
		t.Errorf("full names: %+v %v", sh.Rows, sh.Errors)
	}
}

func TestFileProblems(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"empty", "", "the file is empty"},
		{"no birth date column", "family,given\nA,B\n", "no column found for the birth date"},
		{"unclosed quote", "family,given,dob\n\"Test,A,1990-01-01\n", "line 2: a quote"},
		{"bare quote", "family,given,dob\nTe\"st,A,1990-01-01\n", "line 2: a field has a quote"},
		{"not UTF-8", "family,given,dob\nM\xfcller,A,1990-01-01\n", "not UTF-8"},
	} {
		_, err := csvimport.Read(strings.NewReader(tc.text), csvimport.Options{})
		var fe *csvimport.FileError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := csvimport.Read(strings.NewReader("family,given,dob\n"+strings.Repeat("Test,A,1990-01-01\n", 1000)), csvimport.Options{Limit: 1000}); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("huge: %v", err)
	}
}

// A legacy list with bad rows: the dry run names each by its line and
// reason, and neither it nor the import stores anything.
const badList = "family,given,dob,sex,phone\n" +
	"Testfirst,Ana,1980-02-02,f,555 0101\n" +
	",NoFamily,1980-02-02,f,\n" + // line 3
	"Testdate,Bea,02/02/1980,f,\n" + // line 4
	"Testfuture,Cy,2999-01-01,m,\n" + // line 5
	"Testphone,Di,1981-03-03,f,call me\n" + // line 6
	"\"Test\nMultiline\",Ed,1982-04-04,x,\n" + // lines 7-8: fine
	"Testfields,Fa,1983-05-05\n" + // line 9
	"Testsex,Gu,1984-06-06,maybe,\n" + // line 10
	"Testfirst,Ana,1980-02-02,f,\n" // line 11: line 2 again

func TestDryRunReportsBadRowsAndImportIsAllOrNothing(t *testing.T) {
	p := newPractice(t)
	sh := read(t, badList, csvimport.Options{})
	before, n := p.lastChange(), p.count()
	rep, err := csvimport.Check(p.svc, sh)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{3: "family name is required", 4: "not a date written YYYY-MM-DD", 5: "birth date is in the future",
		6: "phone must be a phone number", 9: "has 3 fields where the header has 5", 10: "sex must be", 11: "same person as line 2"}
	got := map[int]string{}
	for _, e := range rep.Errors {
		got[e.Line] = e.Reason
	}
	for line, reason := range want {
		if !strings.Contains(got[line], reason) {
			t.Errorf("line %d: %q, want %q", line, got[line], reason)
		}
	}
	if len(rep.Errors) != len(want) || rep.Rows != 9 {
		t.Errorf("%d rows, errors %v", rep.Rows, rep.Errors)
	}
	if _, err := csvimport.Import(p.svc, sh, true, "test.csv"); err != csvimport.ErrRows {
		t.Fatalf("import with bad rows: %v", err)
	}
	if p.lastChange() != before || p.count() != n {
		t.Fatal("the dry run or the refused import stored something")
	}

	// the good rows alone import, all at once, with new MRNs
	var good []string
	for i, l := range strings.SplitAfter(badList, "\n") {
		if i == 0 || i == 1 || strings.HasPrefix(l, "\"Test") || strings.HasPrefix(l, "Multiline") {
			good = append(good, l)
		}
	}
	sh = read(t, strings.Join(good, ""), csvimport.Options{})
	rep, err = csvimport.Import(p.svc, sh, false, "test.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Imported) != 2 || p.count() != n+2 || !chart.ValidMRN(rep.Imported[0].MRN) || rep.Imported[1].Family != "Test\nMultiline" && rep.Imported[1].Family != "Test Multiline" {
		t.Fatalf("imported %+v", rep.Imported)
	}
	// the same list again: every row a likely duplicate, nothing stored
	before = p.lastChange()
	rep, err = csvimport.Import(p.svc, sh, false, "test.csv")
	if err != csvimport.ErrDuplicates || len(rep.Duplicates) != 2 || rep.Duplicates[0].Line != 2 {
		t.Fatalf("second import: %v %+v", err, rep)
	}
	if p.lastChange() != before {
		t.Fatal("the refused second import stored something")
	}
}

func TestRolesHold(t *testing.T) {
	p := newPractice(t)
	p.tc.SignIn("coder")
	sh := read(t, "family,given,dob\nTest,A,1990-01-01\n", csvimport.Options{})
	if _, err := csvimport.Import(p.svc, sh, false, "x"); !errors.Is(err, store.ErrPermission) {
		t.Errorf("a coder imported a patient list: %v", err)
	}
}

// FuzzRead: arbitrary bytes never panic the reader, and every row it
// accepts has a line inside the file and a birth date, if any, written
// YYYY-MM-DD (the chart's checks judge the rest).
func FuzzRead(f *testing.F) {
	for _, s := range []string{europeanList, badList, "Name,DOB\n\"Testsson, Eva\",1950-05-05\n", "a;b\n\"", "\ufefffamily\tgiven\tdob\nA\tB\t2000-01-01\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sh, err := csvimport.Read(strings.NewReader(string(data)), csvimport.Options{})
		if err != nil {
			return
		}
		lines := strings.Count(string(data), "\n") + 1
		for _, r := range sh.Rows {
			if r.Line < 2 || r.Line > lines || r.Patient.DOB != "" && len(r.Patient.DOB) != 10 {
				t.Fatalf("row %+v of a file of %d lines", r, lines)
			}
		}
		for _, e := range sh.Errors {
			if e.Line < 2 || e.Line > lines || e.Reason == "" {
				t.Fatalf("error %+v of a file of %d lines", e, lines)
			}
		}
	})
}
