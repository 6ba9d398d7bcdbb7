package envelope

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cvmkit/cvm"
)

type model struct {
	Header
	K int `json:"k"`
}

func TestDecode(t *testing.T) {
	card := cvm.NewModelCard()
	card.SetQuality("ll", -1.5)
	data, err := json.Marshal(model{Header: New("cvm.test.model", 2, &card), K: 3})
	if err != nil {
		t.Fatal(err)
	}
	var m model
	if err := Decode("test", data, "cvm.test.model", 2, &m); err != nil {
		t.Fatal(err)
	}
	if m.K != 3 || m.Card == nil || m.Card.Quality["ll"] != -1.5 || m.Card.Library != cvm.Version {
		t.Fatalf("decoded %+v", m)
	}
	tests := []struct {
		name, in, want string
		format         bool
	}{
		{"other format", `{"format":"cvm.x.y","version":2,"k":1}`, `"cvm.x.y" version 2, want "cvm.test.model" version 2`, true},
		{"other version", `{"format":"cvm.test.model","version":1,"k":1}`, "version 1, want version 2", true},
		{"no version", `{"format":"cvm.test.model","k":1}`, "version 0, want version 2", true},
		{"no format", `{"version":2,"k":1}`, `no "format" field`, false},
		{"unknown field", `{"format":"cvm.test.model","version":2,"kk":1}`, `unknown field "kk"`, false},
		{"trailing", `{"format":"cvm.test.model","version":2,"k":1}}`, "invalid character", false},
		{"second object", `{"format":"cvm.test.model","version":2,"k":1} {}`, "invalid character", false},
		{"wrong type", `{"format":"cvm.test.model","version":2,"k":"a"}`, "k", false},
		{"not json", `[`, "unexpected end", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m model
			err := Decode("test", []byte(tt.in), "cvm.test.model", 2, &m)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			var fe *cvm.FormatError
			if errors.As(err, &fe) != tt.format {
				t.Fatalf("errors.As FormatError = %v, want %v", !tt.format, tt.format)
			}
		})
	}
}
