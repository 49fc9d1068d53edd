package ui

import (
	"fyne.io/fyne/v2"

	"chartkeeper/assets"
)

// AppIcon is Chartkeeper's application icon as a Fyne resource.
var AppIcon fyne.Resource = fyne.NewStaticResource("icon.png", assets.Icon)
