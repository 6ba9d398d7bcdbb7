// Package envelope encodes and decodes the one JSON envelope every cvm
// model uses:
//
//	{"format": "cvm.<pkg>.<type>", "version": N, "card": {...}, ...fields}
//
// Decoding checks the format and version first (a [cvm.FormatError] when
// they differ), then decodes the whole object strictly: unknown fields and
// trailing data are errors.
package envelope

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/cvmkit/cvm"
)

// Header is the envelope's common part. Embed it (by value, untagged) in a
// model's JSON struct so that its fields sit at the top level.
type Header struct {
	Format  string         `json:"format"`
	Version int            `json:"version"`
	Card    *cvm.ModelCard `json:"card,omitempty"`
}

// New returns a header for the given format and version.
func New(format string, version int, card *cvm.ModelCard) Header {
	return Header{Format: format, Version: version, Card: card}
}

// Decode decodes data into v, a pointer to a struct that embeds [Header].
// It returns a *cvm.FormatError when the format or version differs from
// the wanted ones, and an error naming the field for unknown fields, wrong
// types and trailing data. pkg prefixes the messages ("segment").
func Decode(pkg string, data []byte, format string, version int, v any) error {
	var h struct {
		Format  *string `json:"format"`
		Version *int    `json:"version"`
	}
	if err := json.Unmarshal(data, &h); err != nil {
		return fmt.Errorf("%s: decoding %s: %w", pkg, format, err)
	}
	if h.Format == nil {
		return fmt.Errorf("%s: decoding %s: %w", pkg, format, errors.New(`no "format" field`))
	}
	fe := &cvm.FormatError{Format: *h.Format, WantFormat: format, WantVersion: version}
	if h.Version != nil {
		fe.Version = *h.Version
	}
	if *h.Format != format || h.Version == nil || *h.Version != version {
		return fe
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: decoding %s: %w", pkg, format, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%s: decoding %s: data after the JSON object", pkg, format)
	}
	return nil
}
