// Package delim parses the -delim flag of the cvm command and of the
// nested example modules (csv2parquet, the Beam pipeline) into the field
// delimiter of cvm.ReadSettings.Comma, so that every command accepts the
// same spellings.
package delim

import (
	"fmt"
	"strings"

	"github.com/cvmkit/cvm"
)

// Parse returns the delimiter that the -delim value s names, ignoring
// case: "," or "comma"; ";" or "semicolon"; "tab", a tab character or
// `\t`; "whitespace", "space" or " " for cvm.Whitespace. Any other value
// is an error naming the flag and s.
func Parse(s string) (rune, error) {
	switch strings.ToLower(s) {
	case ",", "comma":
		return ',', nil
	case ";", "semicolon":
		return ';', nil
	case "tab", "\t", `\t`:
		return '\t', nil
	case "whitespace", "space", " ":
		return cvm.Whitespace, nil
	}
	return 0, fmt.Errorf("-delim %q: want , ; tab or whitespace", s)
}
