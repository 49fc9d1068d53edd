package csvimport

import "testing"

// Every default header name is written as squash leaves headers, and
// belongs to one field only.
func TestDefaultHeadersAreSquashedAndDistinct(t *testing.T) {
	owner := map[string]Field{}
	for f, names := range defaultHeaders {
		for _, n := range names {
			if squash(n) != n {
				t.Errorf("%s: %q is not squashed", f, n)
			}
			if o, dup := owner[n]; dup {
				t.Errorf("%q belongs to %s and %s", n, o, f)
			}
			owner[n] = f
		}
	}
	for _, f := range Fields {
		if _, ok := defaultHeaders[f]; !ok {
			t.Errorf("%s has no default header", f)
		}
	}
	for in, want := range map[string]string{"Prénom": "prenom", "DATE_DE_NAISSANCE": "datedenaissance", "Correo electrónico": "correoelectronico",
		"Endereço": "endereco", "E-mail": "email", "Téléphone": "telephone", "Nº de pasaporte": "nodepasaporte"} {
		if got := squash(in); got != want {
			t.Errorf("squash(%q) = %q, want %q", in, got, want)
		}
	}
}
