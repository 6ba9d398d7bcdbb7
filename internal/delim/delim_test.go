package delim

import (
	"testing"

	"github.com/cvmkit/cvm"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want rune
	}{
		{",", ','}, {"comma", ','}, {"COMMA", ','},
		{";", ';'}, {"semicolon", ';'},
		{"tab", '\t'}, {"Tab", '\t'}, {"\t", '\t'}, {`\t`, '\t'},
		{"whitespace", cvm.Whitespace}, {"space", cvm.Whitespace}, {" ", cvm.Whitespace},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "|", ",,", "tabs"} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q): no error", in)
		}
	}
	if _, err := Parse("|"); err == nil || err.Error() != `-delim "|": want , ; tab or whitespace` {
		t.Errorf("Parse(\"|\"): %v", err)
	}
}
