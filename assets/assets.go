// Package assets holds the files Chartkeeper embeds in its programs. It
// imports no toolkit: the ui package wraps these bytes as Fyne resources.
package assets

import _ "embed"

// Icon is the application icon, a 512×512 PNG. gen_icon.go draws it.
//
//go:embed icon.png
var Icon []byte
