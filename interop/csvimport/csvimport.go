// Package csvimport reads a legacy patient list (CSV) into patients to
// register: columns are matched to fields by their header names (common
// names by default, or a mapping given by the user), every row is checked
// with the chart's own rules, and the list is registered all or nothing.
//
// Files may start with a UTF-8 byte order mark (or be UTF-16 with one, as
// Excel's "Unicode text"), separate fields with commas, semicolons or tabs
// (found from the header line), quote fields with double quotes (with
// separators and line breaks inside), and hold names in any script. A file
// in an 8-bit encoding is read only when [Options.Encoding] names it. Dates
// are YYYY-MM-DD unless [Options.DateFormat] says otherwise; NULL, \N, N/A
// and - are no value, in every column.
package csvimport

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"chartkeeper/chart"
)

// Field is a patient field a column can fill.
type Field string

// The fields, in the order usage lists them.
const (
	Family            Field = "family"
	Family2           Field = "family-2" // a second family name (Spanish segundo apellido), added after the first
	Given             Field = "given"
	Middle            Field = "middle"
	Name              Field = "name" // "Family, Given" or "Given Family", when the list has one name column
	Preferred         Field = "preferred"
	DOB               Field = "dob"
	Sex               Field = "sex"
	Phone             Field = "phone"
	Email             Field = "email"
	AddressLine       Field = "address"
	AddressLine2      Field = "address-2" // a second address line, kept on its own line
	City              Field = "city"
	Region            Field = "region"
	PostalCode        Field = "postal-code"
	Country           Field = "country"
	Language          Field = "language"
	NationalID        Field = "national-id"
	Insurance         Field = "insurance"
	Passport          Field = "passport"
	EmergencyName     Field = "emergency-name"
	EmergencyRelation Field = "emergency-relation"
	EmergencyPhone    Field = "emergency-phone"
)

// Fields lists every field.
var Fields = []Field{Family, Family2, Given, Middle, Name, Preferred, DOB, Sex, Phone, Email, AddressLine, AddressLine2, City, Region,
	PostalCode, Country, Language, NationalID, Insurance, Passport, EmergencyName, EmergencyRelation, EmergencyPhone}

// Options say how to read a list.
type Options struct {
	// Mapping names the column (by its header) of a field, over the
	// default header names.
	Mapping map[Field]string
	// DateFormat is how the list writes birth dates: YYYY-MM-DD (the
	// default), DD/MM/YYYY, MM/DD/YYYY, DD.MM.YYYY or DD-MM-YYYY (see
	// [DateFormats]). It is never guessed.
	DateFormat string
	// Encoding names the 8-bit encoding of a file that is not UTF-8 (see
	// [Encodings]); empty means UTF-8 (or UTF-16 with a byte order mark).
	Encoding string
	// Limit is the largest file read, in bytes (MaxSize when 0).
	Limit int64
	// Today dates two-digit birth years (time.Now when zero).
	Today time.Time
}

// MaxSize is the largest list read: some hundred thousand patients.
const MaxSize = 256 << 20

// ParseField reads a field name as a person types it.
func ParseField(s string) (Field, bool) {
	f := Field(strings.ToLower(strings.TrimSpace(s)))
	return f, slices.Contains(Fields, f)
}

// Row is one patient of the list, with the line it starts on.
type Row struct {
	Line    int
	Patient chart.Patient
}

// RowError is what is wrong with one row.
type RowError struct {
	Line   int
	Reason string
}

func (e RowError) String() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// Sheet is a list read and mapped: the rows that map to patients, the
// rows that do not, and which column fills which field.
type Sheet struct {
	Rows      []Row
	Errors    []RowError
	Columns   map[Field]string   // the header of each mapped field
	Also      map[Field][]string // further columns of a field, read when the first is empty (phones, e-mails)
	Unread    []string           // headers of the columns no field reads
	Separator rune
	Encoding  string   // what the file was read as: UTF-8, UTF-16 or an 8-bit encoding named in the options
	Notes     []string // what the reader noticed about the whole list (how the dates seem written, how sex is coded)
}

// FileError is a problem with the whole file (not one row).
type FileError struct {
	Msg string
	// Encoding, for a file that is not UTF-8, is the encoding it looks
	// like (for example windows-1252), to read it with; empty when unsure.
	Encoding string
}

func (e *FileError) Error() string { return "the patient list was not read: " + e.Msg }

// Read reads a patient list. Problems with single rows are collected in
// the sheet's Errors; a file that cannot be read as a list at all (no
// header, unknown mapped column, broken quoting, not UTF-8) is a
// [*FileError].
func Read(r io.Reader, o Options) (*Sheet, error) {
	limit := o.Limit
	if limit <= 0 {
		limit = MaxSize
	}
	raw, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading the patient list: %w", err)
	}
	if int64(len(raw)) > limit {
		return nil, &FileError{Msg: fmt.Sprintf("the file is larger than %d MB", limit>>20)}
	}
	text, enc, err := decode(raw, o.Encoding)
	if err != nil {
		return nil, err
	}
	df := dateFormat{name: "YYYY-MM-DD", order: "YMD", sep: '-'}
	if strings.TrimSpace(o.DateFormat) != "" {
		f, ok := parseDateFormat(o.DateFormat)
		if !ok {
			return nil, &FileError{Msg: fmt.Sprintf("the date format %q is not one of %s", o.DateFormat, strings.Join(DateFormats(), ", "))}
		}
		df = f
	}
	today := o.Today
	if today.IsZero() {
		today = time.Now()
	}
	sh := &Sheet{Separator: separator(text), Columns: map[Field]string{}, Also: map[Field][]string{}, Encoding: enc}
	cr := csv.NewReader(bytes.NewReader(text))
	cr.Comma = sh.Separator
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err == io.EOF {
		return nil, &FileError{Msg: "the file is empty"}
	}
	if err != nil {
		return nil, &FileError{Msg: csvProblem(err)}
	}
	cols, err := sh.mapColumns(header, o.Mapping)
	if err != nil {
		return nil, err
	}
	type record struct {
		line   int
		fields []string
	}
	var recs []record
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &FileError{Msg: csvProblem(err)}
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		if len(rec) != len(header) {
			sh.Errors = append(sh.Errors, RowError{line, fmt.Sprintf("has %d fields where the header has %d (a separator inside a field that is not in quotes?)", len(rec), len(header))})
			continue
		}
		recs = append(recs, record{line, rec})
	}
	rd := rowReader{cols: cols, date: df, today: today}
	if i, ok := cols[Sex]; ok {
		seen := map[string]bool{}
		for _, r := range recs {
			seen[foldSex(r.fields[i[0]])] = true
		}
		if rd.hm = seen["h"] && seen["m"] && !seen["f"]; rd.hm {
			sh.Notes = append(sh.Notes, fmt.Sprintf("the %s column writes sex as H and M (never F): H is read as male (hombre, homem) and M as female (mujer, mulher)", header[i[0]]))
		}
	}
	seen := map[string]int{}
	var failed []failedDate
	for _, r := range recs {
		p, problems := rd.patient(r.fields)
		if rd.badDate != "" {
			failed = append(failed, failedDate{r.line, rd.badDate})
		}
		if len(problems) > 0 {
			sh.Errors = append(sh.Errors, RowError{r.line, strings.Join(problems, "; ")})
			continue
		}
		key := strings.ToLower(p.Family + "\x00" + p.Given + "\x00" + p.DOB)
		if first, dup := seen[key]; dup {
			sh.Errors = append(sh.Errors, RowError{r.line, fmt.Sprintf("is the same person as line %d (same name and birth date)", first)})
			continue
		}
		seen[key] = r.line
		sh.Rows = append(sh.Rows, Row{Line: r.line, Patient: p})
	}
	if h := dateHint(failed, df); h != "" {
		sh.Notes = append(sh.Notes, h)
	}
	slices.SortStableFunc(sh.Errors, func(a, b RowError) int { return a.Line - b.Line })
	return sh, nil
}

// separator finds the field separator from the header line: the most
// frequent of , ; and tab outside quotes.
func separator(raw []byte) rune {
	line, _ := bufio.NewReader(bytes.NewReader(raw)).ReadString('\n')
	counts := map[rune]int{}
	quoted := false
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == ',' || r == ';' || r == '\t'):
			counts[r]++
		}
	}
	best := ','
	for _, r := range []rune{';', '\t'} {
		if counts[r] > counts[best] {
			best = r
		}
	}
	return best
}

func csvProblem(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		what := pe.Err.Error()
		switch {
		case errors.Is(pe.Err, csv.ErrQuote):
			what = "a quote (\") is not closed, or a quoted field has text after its closing quote"
		case errors.Is(pe.Err, csv.ErrBareQuote):
			what = "a field has a quote (\") inside it without being quoted itself (write it as \"\")"
		}
		return fmt.Sprintf("line %d: %s", pe.StartLine, what)
	}
	return err.Error()
}

func blank(rec []string) bool {
	for _, f := range rec {
		if !noValue(strings.TrimSpace(f)) {
			return false
		}
	}
	return true
}

// mapColumns finds each field's columns: by the mapping, else by the
// default header names.
func (sh *Sheet) mapColumns(header []string, mapping map[Field]string) (map[Field][]int, error) {
	index := map[string]int{}
	for i, h := range header {
		if _, dup := index[squash(h)]; !dup {
			index[squash(h)] = i
		}
	}
	cols := map[Field][]int{}
	used := map[int]bool{}
	for _, f := range Fields {
		if h, ok := mapping[f]; ok {
			i, found := index[squash(h)]
			if !found {
				return nil, &FileError{Msg: fmt.Sprintf("the mapping names column %q for %s, but the header has no such column (it has %s)", h, f, strings.Join(header, ", "))}
			}
			cols[f], used[i] = []int{i}, true
		}
	}
	var givenBy string
	for _, f := range Fields {
		if _, mapped := mapping[f]; mapped {
			continue
		}
		for _, name := range defaultHeaders[f] {
			i, ok := index[name]
			if !ok || used[i] {
				continue
			}
			if len(cols[f]) > 0 && !fallbackFields[f] {
				break
			}
			if f == Given && len(cols[f]) == 0 {
				givenBy = name
			}
			cols[f], used[i] = append(cols[f], i), true
		}
	}
	_, fam := cols[Family]
	_, giv := cols[Given]
	_, name := cols[Name]
	if !fam && !name && giv && bareGiven[givenBy] {
		cols[Name] = cols[Given] // "Nombre" or "Nome" alone holds the whole name
		delete(cols, Given)
		giv, name = false, true
	}
	if name && (fam || giv) {
		delete(cols, Name) // separate columns win over a full-name one
		name = false
	}
	var missing []string
	if !name && !fam {
		missing = append(missing, "family name")
	}
	if !name && !giv {
		missing = append(missing, "given name")
	}
	if _, ok := cols[DOB]; !ok {
		missing = append(missing, "birth date")
	}
	if len(missing) > 0 {
		return nil, &FileError{Msg: fmt.Sprintf("no column found for the %s; the header has %s. Name the columns with the mapping (for example family=Surname, dob=\"Date of birth\")",
			strings.Join(missing, " and "), strings.Join(header, ", "))}
	}
	read := map[int]bool{}
	for f, is := range cols {
		sh.Columns[f] = header[is[0]]
		for _, i := range is[1:] {
			sh.Also[f] = append(sh.Also[f], header[i])
		}
		for _, i := range is {
			read[i] = true
		}
	}
	for i, h := range header {
		if !read[i] && strings.TrimSpace(h) != "" {
			sh.Unread = append(sh.Unread, h)
		}
	}
	return cols, nil
}

// rowReader maps rows to patients.
type rowReader struct {
	cols    map[Field][]int
	date    dateFormat
	today   time.Time
	hm      bool   // the sex column writes H and M for male and female
	badDate string // the birth date of the last row, when it could not be read
}

// patient maps one row; problems say what cannot be read.
func (rd *rowReader) patient(rec []string) (chart.Patient, []string) {
	// A cell is one line: a line break or tab inside a quoted cell is read
	// as a space, except in an address, whose lines stay. Other control
	// characters stay, for the chart's rules to report the row.
	get := func(f Field) string {
		for _, i := range rd.cols[f] {
			v := strings.Join(strings.Fields(rec[i]), " ")
			if f == AddressLine || f == AddressLine2 {
				var lines []string
				for _, l := range strings.Split(rec[i], "\n") {
					if l = strings.Join(strings.Fields(l), " "); l != "" {
						lines = append(lines, l)
					}
				}
				v = strings.Join(lines, "\n")
			}
			if !noValue(v) {
				return v
			}
		}
		return ""
	}
	join := func(sep string, parts ...string) string {
		var out []string
		for _, p := range parts {
			if p != "" {
				out = append(out, p)
			}
		}
		return strings.Join(out, sep)
	}
	var problems []string
	p := chart.Patient{Family: join(" ", get(Family), get(Family2)), Given: get(Given), Middle: get(Middle), Preferred: get(Preferred),
		Phone: get(Phone), Email: get(Email), Language: get(Language),
		Address: chart.Address{Line: join("\n", get(AddressLine), get(AddressLine2)), City: get(City), Region: get(Region),
			PostalCode: get(PostalCode), Country: get(Country)},
		Emergency: chart.Contact{Name: get(EmergencyName), Relation: get(EmergencyRelation), Phone: get(EmergencyPhone)}}
	if full := get(Name); full != "" && p.Family == "" && p.Given == "" {
		if fam, giv, ok := strings.Cut(full, ","); ok {
			p.Family, p.Given = strings.TrimSpace(fam), strings.TrimSpace(giv)
		} else if f := strings.Fields(full); len(f) > 1 {
			p.Family, p.Given = f[len(f)-1], strings.Join(f[:len(f)-1], " ")
		} else {
			problems = append(problems, "the name has no given name (write it \"Family, Given\")")
		}
	}
	rd.badDate = ""
	if d := get(DOB); d != "" && !zeroDate(d) {
		if v, ok := parseDate(d, rd.date, rd.today); ok {
			p.DOB = v
		} else {
			rd.badDate = d
			problems = append(problems, "the birth date is not a date written "+rd.date.name)
		}
	}
	sex, ok := parseSex(get(Sex), rd.hm)
	if !ok {
		problems = append(problems, "sex must be female, male, other or unknown (or F, M, O, U)")
	}
	p.Sex = sex
	for _, id := range []struct {
		f   Field
		sys string
	}{{NationalID, "national-id"}, {Insurance, "insurance"}, {Passport, "passport"}} {
		if v := get(id.f); v != "" {
			p.Identifiers = append(p.Identifiers, chart.Identifier{System: id.sys, Value: v})
		}
	}
	return p, problems
}
