package chart

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"chartkeeper/chart/icd10"
	"chartkeeper/store"
)

// codeTableID is the record that points at the imported ICD-10-CM table.
const codeTableID = "icd10cm"

type codeTableRecord struct {
	Blob  string `json:"blob"`
	Codes int    `json:"codes"`
	Name  string `json:"name"` // the file it came from
}

// ImportCodes replaces the practice's ICD-10-CM table with the CMS release
// file read from r (HIM managers). It returns the number of codes.
func (s *Service) ImportCodes(r io.Reader, name string) (int, error) {
	if _, err := s.require(Administer); err != nil {
		return 0, err
	}
	raw, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return 0, err
	}
	t, err := icd10.Parse(bytes.NewReader(raw))
	if err != nil {
		return 0, fmt.Errorf("%w: %v", store.ErrInvalid, err)
	}
	if t.Len() == 0 {
		return 0, fmt.Errorf("%w: %s holds no codes", store.ErrInvalid, name)
	}
	info, err := s.st.PutBlob(bytes.NewReader(raw))
	if err != nil {
		return 0, err
	}
	err = s.st.Update(func(tx *store.Tx) error {
		parent := ""
		if old, err := tx.Get(codeTableID); err == nil && !old.Deleted {
			parent = old.Rev
		}
		if _, err := put(tx, TypeCodeTable, codeTableID, parent, codeTableRecord{Blob: info.ID, Codes: t.Len(), Name: name}); err != nil {
			return err
		}
		return tx.Audit(store.AuditEvent{Action: "codes.import", Detail: fmt.Sprintf(detailCodes, name, t.Len())})
	})
	if err != nil {
		return 0, err
	}
	s.codesMu.Lock()
	s.codes, s.loaded = t, true
	s.codesMu.Unlock()
	return t.Len(), nil
}

// codeTable is the imported ICD-10-CM table, nil when none was imported.
func (s *Service) codeTable() *icd10.Table {
	s.codesMu.Lock() // held while loading: the table loads once
	defer s.codesMu.Unlock()
	if s.loaded {
		return s.codes
	}
	s.loaded = true
	var rec codeTableRecord
	err := s.st.View(func(tx *store.Tx) error {
		r, err := tx.Get(codeTableID)
		if err != nil {
			return err
		}
		return json.Unmarshal(r.Body, &rec)
	})
	if err != nil || rec.Blob == "" {
		return nil
	}
	rc, _, err := s.st.OpenBlob(rec.Blob)
	if err != nil {
		return nil
	}
	defer rc.Close()
	if t, err := icd10.Parse(rc); err == nil {
		s.codes = t
	}
	return s.codes
}

// lookupCode finds a code (with or without its dot) in the imported table.
func (s *Service) lookupCode(code string) (icd10.Code, bool) {
	t := s.codeTable()
	if t == nil {
		return icd10.Code{}, false
	}
	return t.Lookup(code)
}

// SearchCodes looks codes up by code or by words in the imported table.
func (s *Service) SearchCodes(query string, limit int) []icd10.Code {
	t := s.codeTable()
	if t == nil {
		return nil
	}
	return t.Search(query, limit)
}

// CodeTableInfo describes a practice's ICD-10-CM table.
type CodeTableInfo struct {
	Name  string // the file it was imported from
	Codes int
}

// CodeTable says which ICD-10-CM table the practice has imported. Without
// one (ok false) codes are neither searched nor checked against a list:
// only their form (a letter, two digits, up to four more) is checked.
func (s *Service) CodeTable() (info CodeTableInfo, ok bool) {
	t := s.codeTable()
	if t == nil {
		return CodeTableInfo{}, false
	}
	info.Codes = t.Len()
	var rec codeTableRecord
	err := s.st.View(func(tx *store.Tx) error {
		r, err := tx.Get(codeTableID)
		if err != nil {
			return err
		}
		return json.Unmarshal(r.Body, &rec)
	})
	if err == nil {
		info.Name = rec.Name
	}
	return info, true
}

// CodeText is an ICD-10-CM code as people read it, with its dot: "E11.9",
// whether it was stored without the dot (as the chart stores codes: "E119"),
// with it, or in lower case. Text that is not a well-formed code is shown
// as it is, trimmed. Every screen, printout and export that shows a code
// to a person writes it with this.
func CodeText(code string) string {
	n, err := icd10.Normalize(code)
	if err != nil {
		return strings.TrimSpace(code)
	}
	return icd10.Dot(n)
}
