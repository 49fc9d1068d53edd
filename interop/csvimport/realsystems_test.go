package csvimport_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"

	"chartkeeper/chart"
	"chartkeeper/interop/csvimport"
)

// today is the day the tests read two-digit birth years on.
var today = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// want is what one stored patient must hold.
type want struct {
	family, given, middle, dob string
	sex                        chart.Sex
	phone, email               string
}

// importAndRead imports a list whole and reads every patient back from
// the store, in the list's order.
func importAndRead(t *testing.T, text string, o csvimport.Options) []chart.Patient {
	t.Helper()
	if o.Today.IsZero() {
		o.Today = today
	}
	sh, err := csvimport.Read(strings.NewReader(text), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(sh.Errors) > 0 {
		t.Fatalf("rows refused: %v", sh.Errors)
	}
	p := newPractice(t)
	rep, err := csvimport.Import(p.svc, sh, false, "test list")
	if err != nil {
		t.Fatalf("import: %v (%+v)", err, rep)
	}
	var out []chart.Patient
	for _, im := range rep.Imported {
		got, err := p.svc.Patient(im.ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, got)
	}
	return out
}

func checkPatients(t *testing.T, got []chart.Patient, ws []want) {
	t.Helper()
	if len(got) != len(ws) {
		t.Fatalf("%d patients stored, want %d: %+v", len(got), len(ws), got)
	}
	for i, w := range ws {
		g := got[i]
		if g.Family != w.family || g.Given != w.given || g.Middle != w.middle || g.DOB != w.dob || g.Sex != w.sex || g.Phone != w.phone || g.Email != w.email {
			t.Errorf("patient %d stored as %q %q %q %s %s %q %q, want %+v", i+1, g.Family, g.Given, g.Middle, g.DOB, g.Sex, g.Phone, g.Email, w)
		}
	}
}

// An export of OpenEMR's patient_data table as phpMyAdmin and MySQL
// Workbench write it: every field quoted, NULL for a missing value
// (quoted or not), CRLF line ends, OpenEMR's column names and sex values.
const openEMRExport = `"pid","title","fname","lname","mname","DOB","sex","ss","street","street_line_2","postal_code","city","state","country_code","phone_home","phone_biz","phone_cell","email","email_direct","pubpid","preferred_name"` + "\r\n" +
	`"1","Ms.","Testina","Fakeington","Q","1984-07-09","Female","999-00-0001","12 Nowhere Lane",NULL,"99999","Testville","ZZ","USA","(555) 010-0001",NULL,"555-010-0101","testina.fakeington@example.org","","T1","Tina"` + "\r\n" +
	`"2","Mr.","Testo","O'Fakely",NULL,"1950-12-31","Male",NULL,"1 Test Road","Apt 2","99998","Testburg","ZZ","USA","555-010-0002","555-010-9999",NULL,NULL,"","T2",NULL` + "\r\n" +
	`"3","","Zoë","Ñúñez-Test","María José","2001-01-05","Female","N/A","","","","","","","","","","n/a","","T3",""` + "\r\n" +
	`"4","","Анна","Тестова","-","1999-03-04","Male","","","","","","","","","","+7 555 010 44 44","anna@example.ru","","T4",""` + "\r\n"

func TestOpenEMRExport(t *testing.T) {
	sh, err := csvimport.Read(strings.NewReader(openEMRExport), csvimport.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for f, h := range map[csvimport.Field]string{csvimport.Family: "lname", csvimport.Given: "fname", csvimport.Middle: "mname", csvimport.DOB: "DOB",
		csvimport.Sex: "sex", csvimport.NationalID: "ss", csvimport.Phone: "phone_cell", csvimport.Email: "email", csvimport.AddressLine: "street",
		csvimport.AddressLine2: "street_line_2", csvimport.PostalCode: "postal_code", csvimport.City: "city", csvimport.Region: "state",
		csvimport.Country: "country_code", csvimport.Preferred: "preferred_name"} {
		if sh.Columns[f] != h {
			t.Errorf("%s read from %q, want %q", f, sh.Columns[f], h)
		}
	}
	if also := sh.Also[csvimport.Phone]; len(also) != 1 || also[0] != "phone_home" {
		t.Errorf("phone also from %v", also)
	}
	if strings.Join(sh.Unread, ",") != "pid,title,phone_biz,email_direct,pubpid" {
		t.Errorf("not read: %v", sh.Unread)
	}
	got := importAndRead(t, openEMRExport, csvimport.Options{})
	checkPatients(t, got, []want{
		{"Fakeington", "Testina", "Q", "1984-07-09", chart.Female, "555-010-0101", "testina.fakeington@example.org"},
		{"O'Fakely", "Testo", "", "1950-12-31", chart.Male, "555-010-0002", ""}, // no cell: the home phone
		{"Ñúñez-Test", "Zoë", "María José", "2001-01-05", chart.Female, "", ""},
		{"Тестова", "Анна", "", "1999-03-04", chart.Male, "+7 555 010 44 44", "anna@example.ru"},
	})
	a := got[0]
	if len(a.Identifiers) != 1 || a.Identifiers[0] != (chart.Identifier{System: "national-id", Value: "999-00-0001"}) || a.Preferred != "Tina" ||
		a.Address != (chart.Address{Line: "12 Nowhere Lane", City: "Testville", Region: "ZZ", PostalCode: "99999", Country: "USA"}) {
		t.Errorf("first patient %+v", a)
	}
	if b := got[1]; b.Address.Line != "1 Test Road\nApt 2" || len(b.Identifiers) != 0 || b.Preferred != "" {
		t.Errorf("second patient %+v", b)
	}
	if c := got[2]; len(c.Identifiers) != 0 || c.Address != (chart.Address{}) {
		t.Errorf("N/A and empty fields were kept: %+v", c)
	}
}

// A French spreadsheet saved as CSV by LibreOffice or Excel: semicolons,
// CRLF, dates as the sheet shows them (one-digit days and months, some
// two-digit years), French sex words, "N/A" and "-" for nothing.
const frenchSheet = "Nom;Prénom;Deuxième prénom;Date de naissance;Sexe;Téléphone;Adresse;Code postal;Ville;Courriel\r\n" +
	"Testé-Dupont;Zoé;Hélène;7/9/2019;féminin;06 55 55 01 01;\"3, rue de l'Essai\";75999;Paris;zoe.teste@exemple.fr\r\n" +
	"Lefaux;Jérôme;N/A;31/12/1960;Masculin;-;N/A;;Lyon;N/A\r\n" +
	"Factice;Noël;;1/2/85;H;+33 5 55 55 01 02;;;;noel.factice@exemple.fr\r\n" +
	"Essai;Maëlle;Çà;15/03/05;femme;;;;;\r\n"

var frenchWant = []want{
	{"Testé-Dupont", "Zoé", "Hélène", "2019-09-07", chart.Female, "06 55 55 01 01", "zoe.teste@exemple.fr"},
	{"Lefaux", "Jérôme", "", "1960-12-31", chart.Male, "", ""},
	{"Factice", "Noël", "", "1985-02-01", chart.Male, "+33 5 55 55 01 02", "noel.factice@exemple.fr"},
	{"Essai", "Maëlle", "Çà", "2005-03-15", chart.Female, "", ""},
}

func TestFrenchSpreadsheetUTF8WithBOM(t *testing.T) {
	text := "\ufeff" + frenchSheet
	sh, err := csvimport.Read(strings.NewReader(text), csvimport.Options{DateFormat: "DD/MM/YYYY", Today: today})
	if err != nil {
		t.Fatal(err)
	}
	if sh.Separator != ';' || sh.Encoding != "UTF-8" || sh.Columns[csvimport.Family] != "Nom" || sh.Columns[csvimport.Given] != "Prénom" ||
		sh.Columns[csvimport.Middle] != "Deuxième prénom" || sh.Columns[csvimport.Email] != "Courriel" || sh.Columns[csvimport.Phone] != "Téléphone" {
		t.Fatalf("separator %q, encoding %s, columns %v", sh.Separator, sh.Encoding, sh.Columns)
	}
	got := importAndRead(t, text, csvimport.Options{DateFormat: "DD/MM/YYYY"})
	checkPatients(t, got, frenchWant)
	if got[0].Address != (chart.Address{Line: "3, rue de l'Essai", City: "Paris", PostalCode: "75999"}) {
		t.Errorf("address %+v", got[0].Address)
	}
}

// The same sheet saved as plain "CSV" by Excel in a Western European
// locale: Windows-1252. It is refused with the encoding named, and read
// when the encoding is given.
func TestFrenchSpreadsheetWindows1252(t *testing.T) {
	raw, err := charmap.Windows1252.NewEncoder().String(frenchSheet)
	if err != nil {
		t.Fatal(err)
	}
	_, err = csvimport.Read(strings.NewReader(raw), csvimport.Options{DateFormat: "DD/MM/YYYY"})
	var fe *csvimport.FileError
	if !errors.As(err, &fe) || fe.Encoding != "windows-1252" || !strings.Contains(err.Error(), `not UTF-8`) || !strings.Contains(err.Error(), `"CSV UTF-8"`) {
		t.Fatalf("Windows-1252 without an encoding: %v", err)
	}
	got := importAndRead(t, raw, csvimport.Options{DateFormat: "DD/MM/YYYY", Encoding: "Windows-1252"})
	checkPatients(t, got, frenchWant)

	// UTF-8 said to be Windows-1252 is refused, not read twice over
	if _, err := csvimport.Read(strings.NewReader(frenchSheet), csvimport.Options{DateFormat: "DD/MM/YYYY", Encoding: "windows-1252"}); err == nil || !strings.Contains(err.Error(), "is UTF-8 text") {
		t.Errorf("UTF-8 read as Windows-1252: %v", err)
	}
	if _, err := csvimport.Read(strings.NewReader(raw), csvimport.Options{Encoding: "ebcdic"}); err == nil || !strings.Contains(err.Error(), `"ebcdic" is not one of`) {
		t.Errorf("unknown encoding: %v", err)
	}
	// Cyrillic in Windows-1251 does not look like Western European text:
	// refused without a guess.
	cyr, _ := charmap.Windows1251.NewEncoder().String("Фамилия,Имя,dob\nТестова,Анна,1990-01-01\n")
	if _, err := csvimport.Read(strings.NewReader(cyr), csvimport.Options{}); !errors.As(err, &fe) || fe.Encoding != "" {
		t.Errorf("Windows-1251: %v (guess %q)", err, fe.Encoding)
	}
}

// A Spanish list exported tab-separated, with both family names in one
// column, Spanish sex words and two-digit years.
const spanishList = "Apellidos\tNombre\tSegundo nombre\tFecha de nacimiento\tSexo\tTeléfono\tDirección\tCorreo electrónico\n" +
	"Pruebas Falsas\tLucía\tInés\t3/2/85\tmujer\t+34 955 010 101\tCalle Ficticia 1\tlucia.pruebas@ejemplo.es\n" +
	"Ejemplo Núñez\tÁlvaro\tNULL\t28/02/1949\tMasculino\t955010102\tNULL\tNULL\n" +
	"Inventado\tSofía\t\t29/2/2000\tFemenino\t\t\t\n" +
	"Testeo\t陳 小明\t\t1/10/26\tHombre\t\t\t\n"

func TestSpanishListTabSeparated(t *testing.T) {
	got := importAndRead(t, spanishList, csvimport.Options{DateFormat: "DD/MM/YYYY"})
	checkPatients(t, got, []want{
		{"Pruebas Falsas", "Lucía", "Inés", "1985-02-03", chart.Female, "+34 955 010 101", "lucia.pruebas@ejemplo.es"},
		{"Ejemplo Núñez", "Álvaro", "", "1949-02-28", chart.Male, "955010102", ""},
		{"Inventado", "Sofía", "", "2000-02-29", chart.Female, "", ""},
		{"Testeo", "陳 小明", "", "1926-10-01", chart.Male, "", ""}, // 1 October 2026 is after today: 1926
	})
	if got[0].Address.Line != "Calle Ficticia 1" || got[1].Address.Line != "" {
		t.Errorf("addresses %q %q", got[0].Address.Line, got[1].Address.Line)
	}
}

// Spanish lists with the two family names in two columns, and sex coded
// H (hombre) and M (mujer).
func TestSpanishTwoSurnamesAndHM(t *testing.T) {
	list := "Primer apellido;Segundo apellido;Nombre;F. nacimiento;Sexo\n" +
		"Pruebas;Falsas;Lucía;1985-02-03;M\n" +
		"Ejemplo;;Álvaro;1949-02-28;H\n"
	sh := read(t, list, csvimport.Options{Mapping: map[csvimport.Field]string{csvimport.DOB: "F. nacimiento"}})
	if len(sh.Rows) != 2 || len(sh.Notes) != 1 || !strings.Contains(sh.Notes[0], "M as female") {
		t.Fatalf("rows %+v notes %v errors %v", sh.Rows, sh.Notes, sh.Errors)
	}
	if p := sh.Rows[0].Patient; p.Family != "Pruebas Falsas" || p.Sex != chart.Female {
		t.Errorf("first row %+v", p)
	}
	if p := sh.Rows[1].Patient; p.Family != "Ejemplo" || p.Sex != chart.Male {
		t.Errorf("second row %+v", p)
	}
	// with F in the column, M is male and H is homme
	sh = read(t, "Nom;Prénom;Date de naissance;Sexe\nA;B;1990-01-01;H\nC;D;1990-01-01;F\nE;F;1990-01-01;M\n", csvimport.Options{})
	if len(sh.Notes) != 0 || sh.Rows[0].Patient.Sex != chart.Male || sh.Rows[1].Patient.Sex != chart.Female || sh.Rows[2].Patient.Sex != chart.Male {
		t.Errorf("H/F/M: %+v %v", sh.Rows, sh.Notes)
	}
}

// A Brazilian/Portuguese list, tab-separated, "Nome" being the given name
// beside "Sobrenome".
const portugueseList = "Sobrenome\tNome\tNome do meio\tData de nascimento\tSexo\tTelefone\tEndereço\tE-mail\n" +
	"Fictício\tJoão\tCarlos\t09/07/1990\tmasculino\t(11) 5555-0101\tRua do Teste, 10\tjoao.ficticio@exemplo.com.br\n" +
	"Testação\tConceição\t-\t1/1/1970\tFeminino\t\t\t\n" +
	"Exemplo\tΕλένη\t\t12/12/12\tmulher\t\t\tnull\n" +
	"Inventado\tSeun\t\t2/3/1999\thomem\t+55 11 5555 0104\t\tseun@exemplo.com.br\n"

func TestPortugueseListTabSeparated(t *testing.T) {
	got := importAndRead(t, portugueseList, csvimport.Options{DateFormat: "DD/MM/YYYY"})
	checkPatients(t, got, []want{
		{"Fictício", "João", "Carlos", "1990-07-09", chart.Male, "(11) 5555-0101", "joao.ficticio@exemplo.com.br"},
		{"Testação", "Conceição", "", "1970-01-01", chart.Female, "", ""},
		{"Exemplo", "Ελένη", "", "2012-12-12", chart.Female, "", ""},
		{"Inventado", "Seun", "", "1999-03-02", chart.Male, "+55 11 5555 0104", "seun@exemplo.com.br"},
	})
	if got[0].Address.Line != "Rua do Teste, 10" {
		t.Errorf("address %q", got[0].Address.Line)
	}
	// "Nome" alone is the whole name
	sh := read(t, "Nome\tData de nascimento\nJoão Fictício\t1990-07-09\n", csvimport.Options{})
	if len(sh.Rows) != 1 || sh.Rows[0].Patient.Family != "Fictício" || sh.Rows[0].Patient.Given != "João" || sh.Columns[csvimport.Name] != "Nome" {
		t.Errorf("Nome alone: %+v %v", sh.Rows, sh.Errors)
	}
}

// Headers are matched without case, accents, spaces, underscores or
// punctuation, in English, French, Spanish and Portuguese.
func TestHeaderNames(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   map[csvimport.Field]string
	}{
		{"Last Name,First Name,Middle Name,Date of Birth,Gender,E-mail,Cell Phone,Home Phone",
			map[csvimport.Field]string{csvimport.Family: "Last Name", csvimport.Given: "First Name", csvimport.Middle: "Middle Name", csvimport.DOB: "Date of Birth",
				csvimport.Sex: "Gender", csvimport.Email: "E-mail", csvimport.Phone: "Cell Phone"}},
		{"NOM,PRENOM,DATE_DE_NAISSANCE,SEXE,TELEPHONE,ADRESSE,COURRIEL",
			map[csvimport.Field]string{csvimport.Family: "NOM", csvimport.Given: "PRENOM", csvimport.DOB: "DATE_DE_NAISSANCE", csvimport.Sex: "SEXE",
				csvimport.Phone: "TELEPHONE", csvimport.AddressLine: "ADRESSE", csvimport.Email: "COURRIEL"}},
		{"apellidos,nombre,fecha de nacimiento,sexo,telefono,direccion,correo electronico",
			map[csvimport.Field]string{csvimport.Family: "apellidos", csvimport.Given: "nombre", csvimport.DOB: "fecha de nacimiento",
				csvimport.Phone: "telefono", csvimport.AddressLine: "direccion", csvimport.Email: "correo electronico"}},
		{" Sobrenome , Nome ,Data de Nascimento,Sexo,Telefone,Endereço,E-Mail",
			map[csvimport.Field]string{csvimport.Family: " Sobrenome ", csvimport.Given: " Nome ", csvimport.DOB: "Data de Nascimento",
				csvimport.Phone: "Telefone", csvimport.AddressLine: "Endereço", csvimport.Email: "E-Mail"}},
	} {
		sh := read(t, tc.header+"\n", csvimport.Options{})
		for f, h := range tc.want {
			if sh.Columns[f] != h {
				t.Errorf("%s: %s read from %q, want %q", tc.header, f, sh.Columns[f], h)
			}
		}
	}
}

// NULL, \N, N/A, n/a, - and empty are no value in every column.
func TestNoValueInEveryColumn(t *testing.T) {
	var header, nothing []string
	for _, f := range csvimport.Fields {
		header = append(header, string(f))
	}
	for _, v := range []string{"NULL", `\N`, "N/A", "n/a", "-", "", "  NULL  "} {
		row := make([]string, len(header))
		for i := range row {
			row[i] = v
		}
		nothing = append(nothing, strings.Join(row, ";"))
	}
	list := strings.Join(header, ";") + "\n" + strings.Join(nothing, "\n") + "\n"
	sh := read(t, list, csvimport.Options{})
	if len(sh.Rows) != 0 || len(sh.Errors) != 0 {
		t.Fatalf("rows of nothing: %+v %v", sh.Rows, sh.Errors)
	}
	// beside a name and a birth date, every other column is empty
	for _, v := range []string{"NULL", `\N`, "N/A", "n/a", "-"} {
		row := make([]string, len(header))
		for i, f := range csvimport.Fields {
			switch f {
			case csvimport.Family:
				row[i] = "Testnull"
			case csvimport.Given:
				row[i] = "Ana"
			case csvimport.DOB:
				row[i] = "1990-01-01"
			default:
				row[i] = v
			}
		}
		sh := read(t, strings.Join(header, ";")+"\n"+strings.Join(row, ";")+"\n", csvimport.Options{})
		if len(sh.Rows) != 1 {
			t.Fatalf("%q: %v", v, sh.Errors)
		}
		want := chart.Patient{Family: "Testnull", Given: "Ana", DOB: "1990-01-01", Sex: chart.Unknown}
		if p := sh.Rows[0].Patient; p.Middle != "" || p.Phone != "" || p.Email != "" || p.Address != want.Address || p.Emergency != want.Emergency ||
			p.Sex != chart.Unknown || len(p.Identifiers) != 0 || p.Preferred != "" || p.Language != "" {
			t.Errorf("%q kept as a value: %+v", v, p)
		}
	}
	// a name of NULL is a missing name, said plainly
	p := newPractice(t)
	sh = read(t, "lname,fname,DOB\nNULL,Ana,1990-01-01\nTestzero,Bo,0000-00-00\n", csvimport.Options{})
	rep, err := csvimport.Check(p.svc, sh)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) != 2 || !strings.Contains(rep.Errors[0].Reason, "family name is required") || !strings.Contains(rep.Errors[1].Reason, "birth date is required") {
		t.Errorf("errors %v", rep.Errors)
	}
}

func TestDates(t *testing.T) {
	for _, tc := range []struct{ format, in, want string }{
		{"DD/MM/YYYY", "7/9/2019", "2019-09-07"},
		{"DD/MM/YYYY", "07/09/2019", "2019-09-07"},
		{"MM/DD/YYYY", "7/9/2019", "2019-07-09"},
		{"DD.MM.YYYY", "1.2.03", "2003-02-01"},
		{"DD/MM/YYYY", "31/5/26", "2026-05-31"}, // yesterday
		{"DD/MM/YYYY", "2/6/26", "1926-06-02"},  // 2 June 2026 is tomorrow: a birth date is never in the future
		{"MM/DD/YYYY", "12/31/99", "1999-12-31"},
		{"MM/DD/YYYY", "01/01/00", "2000-01-01"},
		{"YYYY-MM-DD", "2019-9-7", "2019-09-07"},
		{"YYYY-MM-DD", "1984-07-09 00:00:00", "1984-07-09"},
		{"D/M/YY", "7/9/19", "2019-09-07"},
		{"YYYY-MM-DD", "19-09-07", ""}, // a year first has four digits
		{"DD/MM/YYYY", "31/2/2000", ""},
		{"DD/MM/YYYY", "7/9/199", ""},
		{"DD/MM/YYYY", "7-9-2019", ""},
		{"DD/MM/YYYY", "07/09/2019 13:45", ""},
	} {
		list := "family,given,dob\nTest,Ana," + tc.in + "\n"
		sh := read(t, list, csvimport.Options{DateFormat: tc.format, Today: today})
		got := ""
		if len(sh.Rows) == 1 {
			got = sh.Rows[0].Patient.DOB
		}
		if got != tc.want {
			t.Errorf("%s %s: %q %v, want %q", tc.format, tc.in, got, sh.Errors, tc.want)
		}
	}
	if _, err := csvimport.Read(strings.NewReader("family,given,dob\n"), csvimport.Options{DateFormat: "DD/DD/YYYY"}); err == nil || !strings.Contains(err.Error(), "is not one of") {
		t.Errorf("bad format: %v", err)
	}
}

// Without a date format, dates written otherwise are bad rows (the
// documented default is YYYY-MM-DD, nothing is guessed), and a note says
// how they seem written, or that the list does not tell.
func TestDateNotes(t *testing.T) {
	for _, tc := range []struct{ dates, note string }{
		{"03/04/1990 11/12/1980 1/2/2000", "no day or month in the list is over 12, so it does not say whether that is DD/MM/YYYY or MM/DD/YYYY: nothing was guessed"},
		{"03/04/1990 31/12/1980", "they look like DD/MM/YYYY (line 3 has 31/12/1980)"},
		{"03.04.1990 13.12.1980", "they look like DD.MM.YYYY"},
		{"03/04/1990 12/31/1980", "they look like MM/DD/YYYY (line 3 has 12/31/1980)"},
		{"13/04/1990 12/31/1980", "written in more than one order (line 2 has 13/04/1990, line 3 has 12/31/1980)"},
		{"1990/04/03", "they look like YYYY/MM/DD"},
	} {
		list := "family,given,dob\n"
		for i, d := range strings.Fields(tc.dates) {
			list += "Test,A" + strings.Repeat("a", i) + "," + d + "\n"
		}
		sh := read(t, list, csvimport.Options{})
		if len(sh.Rows) != 0 || len(sh.Errors) != len(strings.Fields(tc.dates)) || len(sh.Notes) != 1 || !strings.Contains(sh.Notes[0], tc.note) {
			t.Errorf("%s: rows %d, errors %v, notes %q", tc.dates, len(sh.Rows), sh.Errors, sh.Notes)
		}
	}
	// dates all read: no note
	if sh := read(t, "family,given,dob\nTest,A,1990-04-03\n", csvimport.Options{}); len(sh.Notes) != 0 {
		t.Errorf("notes %v", sh.Notes)
	}
}

// Excel's "Unicode text": UTF-16 with a byte order mark, tab-separated.
func TestUTF16(t *testing.T) {
	raw, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewEncoder().String("Nom\tPrénom\tDate de naissance\nÉpreuve\tLéa\t1990-01-01\n")
	if err != nil {
		t.Fatal(err)
	}
	sh := read(t, raw, csvimport.Options{})
	if sh.Encoding != "UTF-16" || len(sh.Rows) != 1 || sh.Rows[0].Patient.Family != "Épreuve" || sh.Rows[0].Patient.Given != "Léa" {
		t.Errorf("UTF-16: %s %+v %v", sh.Encoding, sh.Rows, sh.Errors)
	}
}

func TestBadEmailIsABadRow(t *testing.T) {
	p := newPractice(t)
	sh := read(t, "family,given,dob,email\nTest,A,1990-01-01,not an address\n", csvimport.Options{})
	rep, err := csvimport.Check(p.svc, sh)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Reason, "e-mail must be an e-mail address") {
		t.Errorf("errors %v", rep.Errors)
	}
}
