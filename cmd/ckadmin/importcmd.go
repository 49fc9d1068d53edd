package main

import (
	"bufio"
	"errors"
	"fmt"
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

const importCSVDetails = `Columns are found by their header names: common names by default
(Surname, Last name, First name, Date of birth, DOB, Sex, Gender, Phone,
Address, City, Postal code, ...), or as mapped with --map FIELD=HEADER
(repeatable) or --mapping FILE (one FIELD=HEADER a line, # for comments).
Fields: ` + "family, given, name, preferred, dob, sex, phone, address, city, region,\n" +
	"postal-code, country, language, national-id, insurance, passport, emergency-name,\n" +
	`emergency-relation, emergency-phone. The file may be UTF-8 with or without a
byte order mark, separated by commas, semicolons or tabs.

--dry-run reports every row that cannot be registered, by line number, and
every likely duplicate, and stores nothing (exit 1 when a row is bad). The
import registers the whole list in one transaction or nothing: a bad row or
a likely duplicate (unless --allow-duplicates) stops it.`

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
	sh, err := csvimport.Read(f, csvimport.Options{Mapping: mapping, DateFormat: *dateFormat})
	if err != nil {
		return err
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
