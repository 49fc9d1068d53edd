// Package csvimport reads a legacy patient list (CSV) into patients to
// register: columns are matched to fields by their header names (common
// names by default, or a mapping given by the user), every row is checked
// with the chart's own rules, and the list is registered all or nothing.
//
// Files may start with a UTF-8 byte order mark, separate fields with
// commas, semicolons or tabs (found from the header line), quote fields
// with double quotes (with separators and line breaks inside), and hold
// names in any script. Dates are YYYY-MM-DD unless [Options.DateFormat]
// says otherwise.
package csvimport

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"chartkeeper/chart"
)

// Field is a patient field a column can fill.
type Field string

// The fields, in the order usage lists them.
const (
	Family            Field = "family"
	Given             Field = "given"
	Name              Field = "name" // "Family, Given" or "Given Family", when the list has one name column
	Preferred         Field = "preferred"
	DOB               Field = "dob"
	Sex               Field = "sex"
	Phone             Field = "phone"
	AddressLine       Field = "address"
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
var Fields = []Field{Family, Given, Name, Preferred, DOB, Sex, Phone, AddressLine, City, Region, PostalCode, Country,
	Language, NationalID, Insurance, Passport, EmergencyName, EmergencyRelation, EmergencyPhone}

// defaultHeaders are the header names each field is found by when no
// mapping names its column; compared without case, spaces, dots, dashes
// and underscores.
var defaultHeaders = map[Field][]string{
	Family:            {"family", "familyname", "lastname", "surname", "last", "nom", "apellido", "apellidos", "nachname"},
	Given:             {"given", "givenname", "firstname", "first", "forename", "forenames", "prenom", "nombre", "vorname"},
	Name:              {"name", "fullname", "patientname", "patient"},
	Preferred:         {"preferred", "preferredname", "nickname", "knownas"},
	DOB:               {"dob", "birthdate", "dateofbirth", "birthday", "born", "geburtsdatum", "fechadenacimiento"},
	Sex:               {"sex", "gender", "geschlecht", "sexe", "sexo", "genero"},
	Phone:             {"phone", "telephone", "tel", "phonenumber", "mobile", "cell", "mobilephone", "homephone", "telefon", "telefono", "telephone"},
	AddressLine:       {"address", "street", "addressline", "address1", "streetaddress"},
	City:              {"city", "town", "village"},
	Region:            {"region", "state", "province", "county", "district"},
	PostalCode:        {"postalcode", "postcode", "zip", "zipcode", "plz"},
	Country:           {"country"},
	Language:          {"language", "preferredlanguage"},
	NationalID:        {"nationalid", "nationalidnumber", "idnumber", "ssn", "socialsecuritynumber"},
	Insurance:         {"insurance", "insurancenumber", "insuranceid", "insuranceno", "policy", "policynumber"},
	Passport:          {"passport", "passportnumber"},
	EmergencyName:     {"emergencycontact", "emergencyname", "emergencycontactname", "nextofkin"},
	EmergencyRelation: {"emergencyrelation", "emergencycontactrelation", "relationship", "relation"},
	EmergencyPhone:    {"emergencyphone", "emergencycontactphone", "nextofkinphone"},
}

// Options say how to read a list.
type Options struct {
	// Mapping names the column (by its header) of a field, over the
	// default header names.
	Mapping map[Field]string
	// DateFormat is how the list writes birth dates: YYYY-MM-DD (the
	// default), DD/MM/YYYY, MM/DD/YYYY, DD.MM.YYYY or DD-MM-YYYY.
	DateFormat string
	// Limit is the largest file read, in bytes (MaxSize when 0).
	Limit int64
}

// MaxSize is the largest list read: some hundred thousand patients.
const MaxSize = 256 << 20

var dateLayouts = map[string]string{
	"YYYY-MM-DD": "2006-01-02", "DD/MM/YYYY": "02/01/2006", "MM/DD/YYYY": "01/02/2006",
	"DD.MM.YYYY": "02.01.2006", "DD-MM-YYYY": "02-01-2006", "YYYY/MM/DD": "2006/01/02",
}

// DateFormats lists the date formats a list may use.
func DateFormats() []string {
	out := make([]string, 0, len(dateLayouts))
	for k := range dateLayouts {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

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
	Columns   map[Field]string // the header of each mapped field
	Separator rune
}

// FileError is a problem with the whole file (not one row).
type FileError struct{ Msg string }

func (e *FileError) Error() string { return "the patient list was not read: " + e.Msg }

// Read reads a patient list. Problems with single rows are collected in
// the sheet's Errors; a file that cannot be read as a list at all (no
// header, unknown mapped column, broken quoting) is a [*FileError].
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
		return nil, &FileError{fmt.Sprintf("the file is larger than %d MB", limit>>20)}
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(raw) {
		return nil, &FileError{"the file is not UTF-8 text; save it from the spreadsheet as \"CSV UTF-8\""}
	}
	layout := "2006-01-02"
	if o.DateFormat != "" {
		l, ok := dateLayouts[strings.ToUpper(strings.TrimSpace(o.DateFormat))]
		if !ok {
			return nil, &FileError{fmt.Sprintf("the date format %q is not one of %s", o.DateFormat, strings.Join(DateFormats(), ", "))}
		}
		layout = l
	}
	sh := &Sheet{Separator: separator(raw), Columns: map[Field]string{}}
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.Comma = sh.Separator
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err == io.EOF {
		return nil, &FileError{"the file is empty"}
	}
	if err != nil {
		return nil, &FileError{csvProblem(err)}
	}
	cols, err := sh.mapColumns(header, o.Mapping)
	if err != nil {
		return nil, err
	}
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &FileError{csvProblem(err)}
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		if len(rec) != len(header) {
			sh.Errors = append(sh.Errors, RowError{line, fmt.Sprintf("has %d fields where the header has %d (a separator inside a field that is not in quotes?)", len(rec), len(header))})
			continue
		}
		p, problems := rowPatient(rec, cols, layout, o.DateFormat)
		if len(problems) > 0 {
			sh.Errors = append(sh.Errors, RowError{line, strings.Join(problems, "; ")})
			continue
		}
		key := strings.ToLower(p.Family + "\x00" + p.Given + "\x00" + p.DOB)
		if first, dup := seen[key]; dup {
			sh.Errors = append(sh.Errors, RowError{line, fmt.Sprintf("is the same person as line %d (same name and birth date)", first)})
			continue
		}
		seen[key] = line
		sh.Rows = append(sh.Rows, Row{Line: line, Patient: p})
	}
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
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// squash makes a header comparable: lower case, letters and digits only.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

// mapColumns finds each field's column: by the mapping, else by a
// default header name.
func (sh *Sheet) mapColumns(header []string, mapping map[Field]string) (map[Field]int, error) {
	index := map[string]int{}
	for i, h := range header {
		if _, dup := index[squash(h)]; !dup {
			index[squash(h)] = i
		}
	}
	cols := map[Field]int{}
	for _, f := range Fields {
		if h, ok := mapping[f]; ok {
			i, found := index[squash(h)]
			if !found {
				return nil, &FileError{fmt.Sprintf("the mapping names column %q for %s, but the header has no such column (it has %s)", h, f, strings.Join(header, ", "))}
			}
			cols[f] = i
			continue
		}
		for _, name := range defaultHeaders[f] {
			if i, ok := index[name]; ok {
				cols[f] = i
				break
			}
		}
	}
	_, fam := cols[Family]
	_, giv := cols[Given]
	_, name := cols[Name]
	if name && (fam || giv) {
		delete(cols, Name) // separate columns win over a full-name one
	}
	_, name = cols[Name]
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
		return nil, &FileError{fmt.Sprintf("no column found for the %s; the header has %s. Name the columns with the mapping (for example family=Surname, dob=\"Date of birth\")",
			strings.Join(missing, " and "), strings.Join(header, ", "))}
	}
	for f, i := range cols {
		sh.Columns[f] = header[i]
	}
	return cols, nil
}

// rowPatient maps one row; problems say what cannot be read.
func rowPatient(rec []string, cols map[Field]int, layout, format string) (chart.Patient, []string) {
	get := func(f Field) string {
		if i, ok := cols[f]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var problems []string
	p := chart.Patient{Family: get(Family), Given: get(Given), Preferred: get(Preferred), Phone: get(Phone), Language: get(Language),
		Address:   chart.Address{Line: get(AddressLine), City: get(City), Region: get(Region), PostalCode: get(PostalCode), Country: get(Country)},
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
	if d := get(DOB); d != "" {
		t, err := time.Parse(layout, d)
		if err != nil {
			problems = append(problems, "the birth date is not a date written "+cmp.Or(format, "YYYY-MM-DD"))
		} else {
			p.DOB = t.Format(time.DateOnly)
		}
	}
	sex, ok := parseSex(get(Sex))
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

func parseSex(s string) (chart.Sex, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "f", "female", "w", "woman", "girl", "femme", "weiblich", "mujer":
		return chart.Female, true
	case "m", "male", "man", "boy", "homme", "männlich", "hombre":
		return chart.Male, true
	case "o", "other", "x", "d", "divers", "diverse":
		return chart.Other, true
	case "", "u", "unknown", "?", "-":
		return chart.Unknown, true
	}
	return chart.Unknown, false
}
