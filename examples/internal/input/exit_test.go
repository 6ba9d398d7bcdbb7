package input

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"
)

func TestExitCode(t *testing.T) {
	for _, tt := range []struct {
		err    error
		code   int
		stderr string
	}{
		{nil, 0, ""},
		{flag.ErrHelp, 2, ""},
		{fmt.Errorf("parse: %w", flag.ErrHelp), 2, ""},
		{&UsageError{Msg: "-in is required"}, 2, "prog: -in is required\n"},
		{fmt.Errorf("flags: %w", &UsageError{Msg: "bad"}), 2, "prog: flags: bad\n"},
		{errors.New("x.csv:3: bad amount"), 1, "prog: x.csv:3: bad amount\n"},
	} {
		var b strings.Builder
		if code := ExitCode("prog", tt.err, &b); code != tt.code || b.String() != tt.stderr {
			t.Errorf("ExitCode(%v) = %d, %q; want %d, %q", tt.err, code, b.String(), tt.code, tt.stderr)
		}
	}
}
