package scan_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"chartkeeper/scan"
)

func TestSettings(t *testing.T) {
	dir := t.TempDir()
	if s, err := scan.LoadSettings(dir); err != nil || len(s.Folders) != 0 {
		t.Fatalf("%+v %v", s, err)
	}
	want := scan.Settings{Folders: []scan.Folder{
		{Path: "/srv/scans/desk", Category: "insurance"},
		{Path: "/srv/scans/lab", Category: "lab", Archive: "/srv/scans/done", Rule: "{mrn}-*.pdf"},
	}}
	if err := scan.SaveSettings(dir, want); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, scan.SettingsFileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%v %v", fi, err)
	}
	got, err := scan.LoadSettings(dir)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("%+v %v", got, err)
	}
	for _, bad := range []scan.Settings{
		{Folders: []scan.Folder{{Path: ""}}},
		{Folders: []scan.Folder{{Path: "/a", Category: "recipes"}}},
		{Folders: []scan.Folder{{Path: "/a", Archive: "/a"}}},
		{Folders: []scan.Folder{{Path: "/a"}, {Path: "/a/"}}},
	} {
		if err := scan.SaveSettings(dir, bad); err == nil {
			t.Errorf("%+v saved", bad)
		}
	}
	if got2, _ := scan.LoadSettings(dir); !reflect.DeepEqual(got2, want) {
		t.Error("a refused save changed the file")
	}
	writeFile(t, filepath.Join(dir, scan.SettingsFileName), []byte("{"))
	if _, err := scan.LoadSettings(dir); err == nil {
		t.Error("a damaged file was read")
	}
}
