package fhir

import (
	"chartkeeper/chart"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Code systems and Chartkeeper's own names.
const (
	systemLOINC      = "http://loinc.org"
	systemUCUM       = "http://unitsofmeasure.org"
	systemICD10CM    = "http://hl7.org/fhir/sid/icd-10-cm"
	systemSNOMED     = "http://snomed.info/sct"
	systemObsCat     = "http://terminology.hl7.org/CodeSystem/observation-category"
	systemCondCat    = "http://terminology.hl7.org/CodeSystem/condition-category"
	systemCondStatus = "http://terminology.hl7.org/CodeSystem/condition-clinical"
	systemAllergySt  = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
	systemActCode    = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	systemIDType     = "http://terminology.hl7.org/CodeSystem/v2-0203"

	// extBase starts the URL of every Chartkeeper extension and code
	// system: what FHIR has no element for (a visit's SOAP note, its
	// signature and amendments; a document's filing), so that a bundle
	// Chartkeeper wrote reads back into the same chart. Other systems
	// ignore them.
	extBase = "urn:chartkeeper:fhir:"
	// systemMRN names Chartkeeper MRNs in Patient.identifier.
	systemMRN = extBase + "mrn"
	// systemIdentifier + a Chartkeeper identifier system ("insurance").
	systemIdentifier = extBase + "identifier:"
	// systemCategory names Chartkeeper document categories.
	systemCategory = extBase + "document-category"
	// systemUser names Chartkeeper user IDs.
	systemUser = extBase + "user"
)

// extURL is the URL of Chartkeeper extension name.
func extURL(name string) string { return extBase + name }

// Vital signs as LOINC codes.
const (
	loincVitalsPanel  = "85353-1"
	loincBPPanel      = "85354-9"
	loincSystolic     = "8480-6"
	loincDiastolic    = "8462-4"
	loincPulse        = "8867-4"
	loincTemp         = "8310-5"
	loincTempOral     = "8331-1"
	loincWeight       = "29463-7"
	loincHeight       = "8302-2"
	loincBMI          = "39156-5"
	loincResp         = "9279-1"
	loincSpO2         = "59408-5"
	loincSpO2Art      = "2708-6"
	loincHeadCirc     = "9843-4"
	loincBPPanel2     = "55284-4" // Blood pressure systolic and diastolic
	loincHeightLying  = "8306-3"
	loincHeadCircTape = "8287-5"
	loincWeightMeas   = "3141-9" // Body weight Measured
	loincHeightStand  = "8308-9" // Body height --standing
	loincTempAxill    = "8328-7"
	loincTempRectal   = "8332-9"
	loincTempTympanic = "8333-7"
)

// vitalNames says in words what a LOINC vital sign code is.
var vitalNames = map[string]string{
	loincVitalsPanel: "vital signs panel", loincBPPanel: "blood pressure", loincSystolic: "systolic pressure",
	loincDiastolic: "diastolic pressure", loincPulse: "heart rate", loincTemp: "body temperature", loincTempOral: "oral temperature",
	loincWeight: "body weight", loincHeight: "body height", loincBMI: "body mass index",
	loincResp: "respiratory rate", loincSpO2: "oxygen saturation", loincSpO2Art: "oxygen saturation",
	loincHeadCirc: "head circumference", loincBPPanel2: "blood pressure", loincHeightLying: "body height lying",
	loincHeadCircTape: "head circumference", loincWeightMeas: "body weight", loincHeightStand: "body height standing",
	loincTempAxill: "axillary temperature", loincTempRectal: "rectal temperature", loincTempTympanic: "tympanic temperature",
}

// resourceID is the FHIR id and urn:uuid of the record with Chartkeeper
// ID id (and a suffix for several resources from one record): a UUID made
// from a hash, so an export names each record the same way every time
// and shows nothing of the store's IDs.
func resourceID(id string) string {
	sum := sha256.Sum256([]byte("chartkeeper fhir resource\x00" + id))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50 // version 5 (name-based, SHA)
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// codeOf finds the code of system in c.
func codeOf(c *CodeableConcept, system string) (Coding, bool) {
	if c == nil {
		return Coding{}, false
	}
	for _, cd := range c.Coding {
		if cd.System == system && cd.Code != "" {
			return cd, true
		}
	}
	return Coding{}, false
}

// textOf is the words of a concept: its text, else the first display, else
// the first code.
func textOf(c *CodeableConcept) string {
	if c == nil {
		return ""
	}
	if t := strings.TrimSpace(c.Text); t != "" {
		return t
	}
	for _, cd := range c.Coding {
		if t := strings.TrimSpace(cd.Display); t != "" {
			return t
		}
	}
	for _, cd := range c.Coding {
		if t := strings.TrimSpace(cd.Code); t != "" {
			return t
		}
	}
	return ""
}

// hasCode reports whether c has code in system.
func hasCode(c *CodeableConcept, system, code string) bool {
	if c == nil {
		return false
	}
	for _, cd := range c.Coding {
		if cd.System == system && cd.Code == code {
			return true
		}
	}
	return false
}

// More code systems of the codings other systems send.
const (
	systemRxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm"
	systemCVX    = "http://hl7.org/fhir/sid/cvx"
	systemInterp = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
)

// codings are a concept's codings as the chart keeps them.
func codings(c *CodeableConcept) []chart.Coding {
	if c == nil {
		return nil
	}
	var out []chart.Coding
	for _, cd := range c.Coding {
		if strings.TrimSpace(cd.Code) == "" && strings.TrimSpace(cd.Display) == "" {
			continue
		}
		out = append(out, chart.Coding{System: strings.TrimSpace(cd.System), Code: strings.TrimSpace(cd.Code), Display: strings.TrimSpace(cd.Display)})
	}
	return out
}

// fhirCodings are the chart's codings as FHIR codings.
func fhirCodings(cs []chart.Coding) []Coding {
	var out []Coding
	for _, c := range cs {
		out = append(out, Coding{System: c.System, Code: c.Code, Display: c.Display})
	}
	return out
}

// concept is a CodeableConcept of text and codings; nil when both are
// empty.
func concept(text string, cs []chart.Coding) *CodeableConcept {
	if strings.TrimSpace(text) == "" && len(cs) == 0 {
		return nil
	}
	return &CodeableConcept{Text: strings.TrimSpace(text), Coding: fhirCodings(cs)}
}

// clip cuts s to n characters (runes).
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}
