package csvimport

import (
	"strings"
	"unicode"

	"chartkeeper/chart/search"
)

// defaultHeaders are the header names each field is found by when no
// mapping names its column, compared as [squash] leaves them (no case,
// accents, spaces or punctuation). They are exact names, never prefixes:
// the French "Nom" is the family name, the Spanish "Nombre" and the
// Portuguese "Nome" the given name. Earlier names win; for the fields in
// [fallbackFields] every column found is kept, in this order, and a row
// takes the first that has a value.
var defaultHeaders = map[Field][]string{
	Family: {"family", "familyname", "lastname", "surname", "last", "nom", "apellido", "apellidos", "nachname",
		"lname", "patientlastname", "nomdefamille", "primerapellido", "apellido1", "apellidopaterno", "sobrenome", "apelido", "apelidos"},
	Family2: {"segundoapellido", "apellido2", "apellidomaterno"},
	Given: {"given", "givenname", "firstname", "first", "forename", "forenames", "prenom", "nombre", "vorname",
		"fname", "patientfirstname", "prenoms", "nombres", "nome", "primeironome"},
	Middle: {"middle", "middlename", "mname", "middleinitial", "patientmiddlename", "middlenames", "deuxiemeprenom", "autresprenoms",
		"segundonombre", "nomedomeio"},
	Name:      {"name", "fullname", "patientname", "patient", "nomcomplet", "nombrecompleto", "nomecompleto"},
	Preferred: {"preferred", "preferredname", "nickname", "knownas"},
	DOB: {"dob", "birthdate", "dateofbirth", "birthday", "born", "geburtsdatum", "fechadenacimiento",
		"patientdob", "datedenaissance", "datenaissance", "fechanacimiento", "datadenascimento", "datanascimento"},
	Sex: {"sex", "gender", "geschlecht", "sexe", "sexo", "genero", "patientsex", "patientgender", "genre"},
	Phone: {"phone", "telephone", "tel", "phonenumber", "mobile", "cell", "mobilephone", "cellphone", "phonecell", "mobilenumber", "phonemobile",
		"homephone", "telefon", "telefono", "telefone", "portable", "telephoneportable", "celular", "movil", "telefonomovil", "telemovel",
		"telefonecelular", "phonehome", "telephonedomicile", "telefonofijo", "telefonefixo"},
	Email: {"email", "emailaddress", "mail", "courriel", "adresseemail", "adressemail", "adresseelectronique",
		"correoelectronico", "correo", "enderecodeemail", "enderecoeletronico"},
	AddressLine:  {"address", "street", "addressline", "address1", "streetaddress", "addressline1", "adresse", "direccion", "domicilio", "endereco", "morada", "rue"},
	AddressLine2: {"address2", "addressline2", "streetline2", "complementdadresse", "complement", "complemento"},
	City:         {"city", "town", "village", "ville", "commune", "ciudad", "localidad", "poblacion", "cidade", "localidade"},
	Region:       {"region", "state", "province", "county", "district", "provincia", "departement"},
	PostalCode:   {"postalcode", "postcode", "zip", "zipcode", "plz", "codepostal", "cp", "codigopostal", "cep"},
	Country:      {"country", "countrycode", "pays", "pais"},
	Language:     {"language", "preferredlanguage", "langue", "idioma", "lingua"},
	NationalID: {"nationalid", "nationalidnumber", "idnumber", "ssn", "socialsecuritynumber", "ss",
		"numerodesecuritesociale", "nir", "dni", "curp", "cpf"},
	Insurance:         {"insurance", "insurancenumber", "insuranceid", "insuranceno", "policy", "policynumber"},
	Passport:          {"passport", "passportnumber", "passeport", "pasaporte", "passaporte"},
	EmergencyName:     {"emergencycontact", "emergencyname", "emergencycontactname", "nextofkin"},
	EmergencyRelation: {"emergencyrelation", "emergencycontactrelation", "relationship", "relation"},
	EmergencyPhone:    {"emergencyphone", "emergencycontactphone", "nextofkinphone"},
}

// fallbackFields may be filled from several columns (the first with a
// value wins): lists often have a mobile and a home phone.
var fallbackFields = map[Field]bool{Phone: true, Email: true}

// bareGiven are given-name headers that, with no family-name column
// beside them, hold the whole name ("Nombre" or "Nome" alone).
var bareGiven = map[string]bool{"nombre": true, "nome": true}

// squash makes a header comparable: accents dropped, lower case, letters
// and digits only.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, search.Fold(s))
}
