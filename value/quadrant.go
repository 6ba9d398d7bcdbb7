package value

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrUnknownQuadrant and ErrUnknownTier are wrapped by the errors of
// [ParseQuadrant] and [ParseTier] (and so of UnmarshalText).
var (
	ErrUnknownQuadrant = errors.New("value: unknown quadrant")
	ErrUnknownTier     = errors.New("value: unknown tier")
)

// Quadrant is a customer's cell in the value matrix of current value
// against potential value.
type Quadrant uint8

// The four quadrants of the value matrix, numbered as in the published case:
// IV is the most valuable.
const (
	QuadrantI   Quadrant = iota + 1 // low current, low potential: serve at low cost
	QuadrantII                      // low current, high potential: grow share, cross-sell
	QuadrantIII                     // high current, low potential: retain efficiently, protect margin
	QuadrantIV                      // high current, high potential: invest, key-account care
)

var quadrantNames = [...]string{"", "I", "II", "III", "IV"}

// Valid reports whether q is one of QuadrantI to QuadrantIV.
func (q Quadrant) Valid() bool { return q >= QuadrantI && q <= QuadrantIV }

// String returns the Roman numeral of the quadrant, such as "IV", or
// "Quadrant(n)" for an invalid value.
func (q Quadrant) String() string {
	if q.Valid() {
		return quadrantNames[q]
	}
	return fmt.Sprintf("Quadrant(%d)", uint8(q))
}

// MarshalText returns the Roman numeral of the quadrant, "I" to "IV"; an
// invalid quadrant (including the zero value) is an error wrapping
// [ErrUnknownQuadrant].
func (q Quadrant) MarshalText() ([]byte, error) {
	if !q.Valid() {
		return nil, fmt.Errorf("%w: %d", ErrUnknownQuadrant, uint8(q))
	}
	return []byte(quadrantNames[q]), nil
}

// UnmarshalText parses a quadrant as [ParseQuadrant] does; on error q is
// unchanged.
func (q *Quadrant) UnmarshalText(b []byte) error {
	v, err := ParseQuadrant(string(b))
	if err == nil {
		*q = v
	}
	return err
}

// ParseQuadrant parses a quadrant written as a Roman numeral, "I" to "IV"
// (case-insensitive), or a digit "1" to "4", with surrounding spaces
// ignored. Anything else, including the empty string, is an error wrapping
// [ErrUnknownQuadrant].
func ParseQuadrant(s string) (Quadrant, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "I", "1":
		return QuadrantI, nil
	case "II", "2":
		return QuadrantII, nil
	case "III", "3":
		return QuadrantIII, nil
	case "IV", "4":
		return QuadrantIV, nil
	}
	return 0, fmt.Errorf("%w: %q (want I, II, III or IV)", ErrUnknownQuadrant, s)
}

// Tier is a customer's level in the customer pyramid; 1 is the top and a
// pyramid has up to 255 tiers. The default pyramid has four tiers
// (Zeithaml, Rust & Lemon 2001): Platinum (top 1%), Gold (next 4%), Iron
// (next 15%) and Lead (the rest). The zero Tier means no tier assigned
// (unknown).
type Tier uint8

// tierNames are the tiers of the default pyramid, by tier.
var tierNames = [...]string{"", "platinum", "gold", "iron", "lead"}

// String returns the tier's number in decimal, such as "1"; the zero Tier
// is "0". Use [Tier.Name] for the default pyramid's names.
func (t Tier) String() string { return strconv.Itoa(int(t)) }

// Name returns the name of the tier in the default four-tier pyramid,
// "platinum", "gold", "iron" or "lead", or "" for the zero Tier and tiers
// beyond 4 (a pyramid with other shares has no standard names).
func (t Tier) Name() string {
	if int(t) < len(tierNames) {
		return tierNames[t]
	}
	return ""
}

// MarshalText returns the tier's number in decimal, as [Tier.String]; it
// never fails, and "0" is the zero (unknown) Tier.
func (t Tier) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText parses a tier as [ParseTier] does; on error t is
// unchanged.
func (t *Tier) UnmarshalText(b []byte) error {
	v, err := ParseTier(string(b))
	if err == nil {
		*t = v
	}
	return err
}

// MarshalJSON encodes the tier as a JSON number, such as 1: a tier is an
// ordinal number, and files written before tiers had a text form hold
// numbers.
func (t Tier) MarshalJSON() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalJSON decodes a JSON number 0 to 255 or a JSON string accepted by
// [ParseTier]; anything else is an error wrapping [ErrUnknownTier]. On
// error t is unchanged.
func (t *Tier) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("%w: %s", ErrUnknownTier, b)
		}
		return t.UnmarshalText([]byte(s))
	}
	n, err := strconv.ParseUint(string(b), 10, 8)
	if err != nil {
		return fmt.Errorf("%w: %s (want a number 0 to 255)", ErrUnknownTier, b)
	}
	*t = Tier(n)
	return nil
}

// ParseTier parses a tier: a decimal number 0 to 255 (0 is the unknown
// tier), or a default pyramid name, platinum (1), gold (2), iron (3) or
// lead (4), case-insensitively, with surrounding spaces ignored. Anything
// else, including the empty string, is an error wrapping [ErrUnknownTier].
func ParseTier(s string) (Tier, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	for i, n := range tierNames {
		if i > 0 && v == n {
			return Tier(i), nil
		}
	}
	n, err := strconv.ParseUint(v, 10, 8)
	if err != nil {
		return 0, fmt.Errorf("%w: %q (want a number 0 to 255, or platinum, gold, iron or lead)", ErrUnknownTier, s)
	}
	return Tier(n), nil
}

// Strategy returns the recommended strategy for the quadrant, such as
// "invest: key-account care, joint development" for QuadrantIV, or "" for
// an invalid quadrant.
func (q Quadrant) Strategy() string {
	switch q {
	case QuadrantIV:
		return "invest: key-account care, joint development"
	case QuadrantIII:
		return "retain efficiently: protect margin"
	case QuadrantII:
		return "develop: grow share of wallet, cross-sell"
	case QuadrantI:
		return "serve at low cost"
	}
	return ""
}

// QuadrantOf returns the quadrant of a customer who is high (or low) on
// current and potential value.
func QuadrantOf(highCurrent, highPotential bool) Quadrant {
	switch {
	case highCurrent && highPotential:
		return QuadrantIV
	case highCurrent:
		return QuadrantIII
	case highPotential:
		return QuadrantII
	}
	return QuadrantI
}
