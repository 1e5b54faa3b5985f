package interop

import (
	_ "github.com/conductorone/baton-sdk/pkg/dotc1z"
	_ "github.com/conductorone/baton-sdk/pkg/field"
)
