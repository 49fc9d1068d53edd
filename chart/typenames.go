package chart

import "chartkeeper/store"

// recordTypeNames name every type of record the store holds (the chart's
// and the store's own) as a person reads it, marked for translation.
var recordTypeNames = map[string]string{
	TypePatient:          T("patient demographics"),
	TypeProblem:          T("problem"),
	TypeAllergy:          T("allergy"),
	TypeMedication:       T("medication"),
	TypeVisit:            T("visit note"),
	TypeAmendment:        T("amendment"),
	TypeVitals:           T("vital signs"),
	TypeImmunization:     T("immunization"),
	TypeDocument:         T("document"),
	TypeAmendReq:         T("amendment request"),
	TypeDisclosure:       T("disclosure"),
	TypeBreakGlass:       T("break-glass access"),
	TypeCodeTable:        T("code table"),
	TypeProcedure:        T("procedure"),
	TypeResult:           T("result"),
	TypeReport:           T("note or report"),
	TypeRejected:         T("rejected document"),
	TypeNotDuplicate:     T("not the same person"),
	TypeNoKnownAllergies: T("\"No known allergies\""),

	store.TypeUser:         T("user account"),
	store.TypeKeyslot:      T("keyslot"),
	store.TypePractice:     T("practice settings"),
	store.TypePracticeKeys: T("practice keys"),
	store.TypeAdminKey:     T("administration key"),
}

// RecordTypeName is a record type's name in English for a person to read
// ("allergy", "vital signs" for "vitals"), marked text that the
// workstation translates; ok is false for a type it does not know, which
// is best shown as it is stored.
func RecordTypeName(typ string) (name string, ok bool) {
	name, ok = recordTypeNames[typ]
	return name, ok
}
