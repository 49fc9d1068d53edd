package scan

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"chartkeeper/internal/atomicfile"
)

// SettingsFileName is the file in a workstation's data folder that holds
// its watched folders. Folders belong to the machine a scanner is attached
// to, so they are neither synced nor in backups (a backup is the database
// alone): like device.json and sync.json the file sits beside the database,
// mode 0600. It holds folder paths and settings, nothing of patients.
const SettingsFileName = "scanfolders.json"

// Settings are one workstation's watched folders.
type Settings struct {
	Folders []Folder `json:"folders"`
}

// folderJSON is a Folder as written in the settings file.
type folderJSON struct {
	Path     string `json:"path"`
	Category string `json:"category,omitempty"`
	Archive  string `json:"archive,omitempty"`
	Rule     string `json:"rule,omitempty"`
}

// MarshalJSON writes the settings file's form of the folders.
func (s Settings) MarshalJSON() ([]byte, error) {
	fs := make([]folderJSON, len(s.Folders))
	for i, f := range s.Folders {
		fs[i] = folderJSON(f)
	}
	return json.MarshalIndent(struct {
		Folders []folderJSON `json:"folders"`
	}{fs}, "", "  ")
}

// UnmarshalJSON reads the settings file.
func (s *Settings) UnmarshalJSON(b []byte) error {
	var v struct {
		Folders []folderJSON `json:"folders"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	s.Folders = make([]Folder, len(v.Folders))
	for i, f := range v.Folders {
		s.Folders[i] = Folder(f)
	}
	return nil
}

// Check reports the first thing wrong with the folders: a folder's own
// settings ([CheckFolder]) or the same folder listed twice.
func (s Settings) Check() error {
	seen := map[string]bool{}
	for _, f := range s.Folders {
		if err := CheckFolder(f); err != nil {
			return err
		}
		p := filepath.Clean(f.Path)
		if seen[p] {
			return settingsErr(T("%s is listed twice", f.Path))
		}
		seen[p] = true
	}
	return nil
}

// LoadSettings reads the watched folders of the data folder dir; a
// workstation without the file watches nothing.
func LoadSettings(dir string) (Settings, error) {
	var s Settings
	b, err := os.ReadFile(filepath.Join(dir, SettingsFileName))
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("reading the scan folder settings: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, settingsErr(T("the scan folder settings (%s) are damaged: %v; set the folders again", SettingsFileName, err.Error()))
	}
	return s, nil
}

// SaveSettings checks and writes the watched folders of the data folder
// dir (0600, replaced atomically).
func SaveSettings(dir string, s Settings) error {
	if err := s.Check(); err != nil {
		return err
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, SettingsFileName), append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("saving the scan folder settings: %w", err)
	}
	return nil
}
