package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"chartkeeper/interop/csvimport"
	"chartkeeper/interop/fhir"
)

const importFHIRDetails = `Health information managers only. Every patient in the bundle is read,
mapped and checked, and compared with the registered patients, before
anything is stored: a problem anywhere imports nothing. Each patient is then
stored whole (demographics, clinical records, documents) with a new MRN.
Resources Chartkeeper does not keep are listed as skipped, with the reason.
A patient who looks like one already registered stops the import; check
them, then import with --allow-duplicates (and merge later) if they are
different people or the chart should come in anyway.`

var importCSVDetails = `Columns are found by their header names, compared without case, accents,
spaces or punctuation: common English, French, Spanish, Portuguese and
German names and OpenEMR's (Last name, First name, Middle name, Date of
birth, DOB, Gender, Cell phone, E-mail; Nom, Prénom, Date de naissance,
Sexe, Téléphone, Courriel; Apellidos, Nombre, Fecha de nacimiento, Sexo,
Teléfono, Correo electrónico; Sobrenome, Nome, Data de nascimento;
fname, lname, mname, DOB, sex, ss, phone_cell, phone_home, street,
postal_code, email, ...), or as mapped with --map FIELD=HEADER
(repeatable) or --mapping FILE (one FIELD=HEADER a line, # for comments).
Fields: ` + wrapFields() + `.
The file may be UTF-8 with or without a byte order mark, or UTF-16 with
one, separated by commas, semicolons or tabs. A file in an 8-bit encoding
is read only with --encoding (for example windows-1252, as Excel saves
"CSV (comma delimited)"). NULL, \N, N/A and - are no value. Birth dates
are YYYY-MM-DD unless --date-format says otherwise (never guessed); the day
and month may have one digit, and under DD/MM/YYYY or MM/DD/YYYY a
two-digit year is the one in the last hundred years.

--dry-run prints which column fills which field, the columns not read,
anything noticed about the whole list (for example birth dates written in
another format), how the first rows read, every row that cannot be
registered, by line number, and every likely duplicate, and stores nothing
(exit 1 when a row is bad). The import registers the whole list in one
transaction or nothing: a bad row or a likely duplicate (unless
--allow-duplicates) stops it.`

// wrapFields lists the fields a column can fill, wrapped for the help.
func wrapFields() string {
	var b strings.Builder
	width := len("Fields: ")
	for i, f := range csvimport.Fields {
		w := string(f)
		if i < len(csvimport.Fields)-1 {
			w += ","
		}
		if width+len(w)+1 > 76 {
			b.WriteString("\n")
			width = 0
		} else if i > 0 {
			b.WriteString(" ")
			width++
		}
		b.WriteString(w)
		width += len(w)
	}
	return b.String()
}

func init() {
	commandDetails["import fhir"] = importFHIRDetails
	commandDetails["import csv"] = importCSVDetails
}

// runImportFHIR imports a FHIR R4 bundle.
func runImportFHIR(e *env, args []string) error {
	fs := e.flags()
	sf := addStoreFlags(fs)
	dry := fs.Bool("dry-run", false, "check and report, store nothing")
	dups := fs.Bool("allow-duplicates", false, "import patients who look like registered ones")
	pos, err := e.parseExact(fs, args, "FILE")
	if err != nil {
		return err
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	defer f.Close()
	svc, done, err := e.openService(sf)
	if err != nil {
		return err
	}
	defer done()
	rep, err := fhir.Import(f, svc, fhir.ImportOptions{DryRun: *dry, AllowDuplicates: *dups, Source: "FHIR bundle " + filepath.Base(pos[0])})
	if rep != nil {
		for _, s := range rep.Skipped {
			fmt.Fprintf(e.stdout, "skipped: %s\n", s)
		}
		if len(rep.Skipped) > 0 {
			fmt.Fprintln(e.stdout, "Left out, by kind and reason:")
			for _, s := range fhir.SkippedSummary(rep.Skipped) {
				fmt.Fprintf(e.stdout, "  %s\n", s)
			}
		}
		for i, p := range rep.Patients {
			for _, d := range p.Duplicates {
				fmt.Fprintf(e.stdout, "likely duplicate: patient %d of the bundle (%s, born %s) and MRN %s %s, born %s\n",
					i+1, p.Patient.Name(), p.Patient.DOB, d.MRN, d.Name(), d.DOB)
			}
			if p.Imported {
				fmt.Fprintf(e.stdout, "imported: MRN %s %s, born %s, %d records\n", p.Patient.MRN, p.Patient.Name(), p.Patient.DOB, p.Records)
			}
		}
	}
	if err != nil {
		return err
	}
	if *dry {
		fmt.Fprintf(e.stdout, "Dry run: %d patients would be imported, %d resources skipped; nothing was stored.\n", len(rep.Patients), len(rep.Skipped))
		return nil
	}
	fmt.Fprintf(e.stdout, "Imported %d patients; %d resources skipped.\n", rep.Imported(), len(rep.Skipped))
	return nil
}

// mapFlag collects --map FIELD=HEADER.
type mapFlag map[csvimport.Field]string

func (m mapFlag) String() string { return "" }
func (m mapFlag) Set(s string) error {
	field, header, ok := strings.Cut(s, "=")
	f, known := csvimport.ParseField(field)
	if !ok || strings.TrimSpace(header) == "" {
		return fmt.Errorf("%q is not FIELD=HEADER", s)
	}
	if !known {
		return fmt.Errorf("unknown field %q ('ckadmin import csv -h' lists them)", field)
	}
	m[f] = strings.Trim(strings.TrimSpace(header), `"`)
	return nil
}

// readMapping reads a mapping file: FIELD=HEADER a line.
func readMapping(path string, m mapFlag) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		field, _, _ := strings.Cut(line, "=")
		if _, set := m[csvimport.Field(strings.TrimSpace(field))]; set {
			continue // --map wins over the file
		}
		if err := m.Set(line); err != nil {
			return usagef("%s line %d: %v", path, n, err)
		}
	}
	return sc.Err()
}

// runImportCSV registers a legacy patient list.
func runImportCSV(e *env, args []string) error {
	fs := e.flags()
	sf := addStoreFlags(fs)
	dry := fs.Bool("dry-run", false, "report bad rows and likely duplicates, store nothing")
	dups := fs.Bool("allow-duplicates", false, "register rows that look like registered patients")
	mapping := mapFlag{}
	fs.Var(mapping, "map", "the column of a field, as `FIELD=HEADER` (repeatable)")
	mappingFile := fs.String("mapping", "", "read FIELD=HEADER lines from `file`")
	dateFormat := fs.String("date-format", "YYYY-MM-DD", "how the list writes birth dates, a `format` of "+strings.Join(csvimport.DateFormats(), ", "))
	encoding := fs.String("encoding", "", "read a file that is not UTF-8 in this 8-bit `encoding`: "+strings.Join(csvimport.Encodings(), ", "))
	pos, err := e.parseExact(fs, args, "FILE")
	if err != nil {
		return err
	}
	if *mappingFile != "" {
		if err := readMapping(*mappingFile, mapping); err != nil {
			return err
		}
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	defer f.Close()
	sh, err := csvimport.Read(f, csvimport.Options{Mapping: mapping, DateFormat: *dateFormat, Encoding: *encoding})
	var fe *csvimport.FileError
	if errors.As(err, &fe) && fe.Encoding != "" {
		return fmt.Errorf("%w (--encoding %s)", err, fe.Encoding)
	}
	if err != nil {
		return err
	}
	if *dry || sh.Encoding != "UTF-8" && sh.Encoding != "UTF-16" {
		printSheet(e.stdout, sh, *dry)
	}
	for _, n := range sh.Notes {
		fmt.Fprintf(e.stdout, "note: %s\n", n)
	}
	svc, done, err := e.openService(sf)
	if err != nil {
		return err
	}
	defer done()
	var rep *csvimport.Report
	if *dry {
		rep, err = csvimport.Check(svc, sh)
	} else {
		rep, err = csvimport.Import(svc, sh, *dups, "patient list "+filepath.Base(pos[0]))
	}
	if rep != nil {
		for _, re := range rep.Errors {
			fmt.Fprintln(e.stdout, re.String())
		}
		for _, d := range rep.Duplicates {
			for _, m := range d.Matches {
				fmt.Fprintf(e.stdout, "line %d: likely duplicate of MRN %s %s, born %s\n", d.Line, m.MRN, m.Name(), m.DOB)
			}
		}
		for _, p := range rep.Imported {
			fmt.Fprintf(e.stdout, "%s\t%s\t%s\n", p.MRN, field(p.Name()), p.DOB)
		}
	}
	if err != nil {
		return err
	}
	if *dry {
		fmt.Fprintf(e.stdout, "Dry run: %d rows, %d cannot be registered, %d likely duplicates; nothing was stored.\n",
			rep.Rows, len(rep.Errors), len(rep.Duplicates))
		if len(rep.Errors) > 0 {
			return errors.New("the list has rows that cannot be registered (listed above by line)")
		}
		return nil
	}
	fmt.Fprintf(e.stdout, "Registered %d patients.\n", len(rep.Imported))
	return nil
}

// printSheet says how the list was read: the encoding, which column fills
// which field, the columns left out and, for a dry run, how the first rows
// read, so a wrong encoding or column shows before anything is stored.
func printSheet(w io.Writer, sh *csvimport.Sheet, sample bool) {
	if sh.Encoding != "UTF-8" {
		fmt.Fprintf(w, "Read as %s.\n", sh.Encoding)
	}
	var cols []string
	for _, f := range csvimport.Fields {
		h, ok := sh.Columns[f]
		if !ok {
			continue
		}
		c := fmt.Sprintf("%s=%q", f, h)
		for _, a := range sh.Also[f] {
			c += fmt.Sprintf(" (else %q)", a)
		}
		cols = append(cols, c)
	}
	fmt.Fprintf(w, "Columns read: %s\n", strings.Join(cols, ", "))
	if len(sh.Unread) > 0 {
		fmt.Fprintf(w, "Columns not read: %s\n", strings.Join(sh.Unread, ", "))
	}
	if !sample {
		return
	}
	for _, r := range sh.Rows[:min(3, len(sh.Rows))] {
		p := r.Patient
		parts := []string{p.Name()}
		if p.Middle != "" {
			parts = append(parts, "middle name "+p.Middle)
		}
		parts = append(parts, "born "+p.DOB, string(p.Sex))
		for _, x := range []string{p.Phone, p.Email} {
			if x != "" {
				parts = append(parts, x)
			}
		}
		fmt.Fprintf(w, "line %d reads as: %s\n", r.Line, field(strings.Join(parts, ", ")))
	}
}
