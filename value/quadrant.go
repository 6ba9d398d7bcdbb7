package value

import "fmt"

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

// String returns the Roman numeral of the quadrant, such as "IV".
func (q Quadrant) String() string {
	if q >= QuadrantI && q <= QuadrantIV {
		return quadrantNames[q]
	}
	return fmt.Sprintf("Quadrant(%d)", uint8(q))
}

// Tier is a customer's level in the customer pyramid; 1 is the top. The
// default pyramid has four tiers (Zeithaml, Rust & Lemon 2001): Platinum
// (top 1%), Gold (next 4%), Iron (next 15%) and Lead (the rest).
type Tier uint8

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
