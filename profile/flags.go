package profile

import (
	"fmt"
	"math/bits"
	"strings"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/lifecycle"
)

// Flag is a set of contradictions between a customer's views, so that a
// host never acts on one blindly. The zero Flag is no contradiction.
type Flag uint8

const (
	// FlagChampionDeclining: the RFM segment is "Champions" while the
	// lifecycle stage is Decline or Ended. RFM ranks the customer among
	// the base as of the as-of; the lifecycle compares the customer with
	// its own past, so a big spender buying less than before is both.
	FlagChampionDeclining Flag = 1 << iota
	// FlagRecentLapsed: the customer bought within the lifecycle's
	// DeclineMinDays (default 30) before the as-of, yet is in Decline or
	// Ended (a stage the volume trend set and one purchase has not yet
	// undone).
	FlagRecentLapsed
	// FlagReturnsOnly: the customer has transactions but no purchase on or
	// before the as-of (refunds of purchases before the data start): no
	// RFM cell, no CLV forecast, and value indicators imputed.
	FlagReturnsOnly
	// FlagShortHistory: the customer's stage rests on too little history:
	// its first purchase is fewer than max(DefaultInterval,
	// DeclineMinDays) days (default 90) before the as-of, too short for
	// its own inter-purchase interval to mean anything, yet its stage is
	// past Exploration.
	FlagShortHistory

	numFlags = iota
)

var flagNames = [numFlags]string{"champion-declining", "recent-lapsed", "returns-only", "short-history"}

// String returns the names of the flags in f joined by "|", or "" for
// none; an unknown bit is written as flag(N).
func (f Flag) String() string {
	var b strings.Builder
	for f != 0 {
		k := bits.TrailingZeros8(uint8(f))
		f &^= 1 << k
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		if k < numFlags {
			b.WriteString(flagNames[k])
		} else {
			fmt.Fprintf(&b, "flag(%d)", k)
		}
	}
	return b.String()
}

// MarshalText encodes f as String writes it; unknown bits are an error.
func (f Flag) MarshalText() ([]byte, error) {
	if f>>numFlags != 0 {
		return nil, fmt.Errorf("profile: unknown flag bits %#x", uint8(f))
	}
	return []byte(f.String()), nil
}

// UnmarshalText decodes the names String writes, separated by "|" ("" is
// no flag); an unknown name is an error naming it.
func (f *Flag) UnmarshalText(b []byte) error {
	var v Flag
	if len(b) > 0 {
	next:
		for _, name := range strings.Split(string(b), "|") {
			for k, n := range flagNames {
				if n == name {
					v |= 1 << k
					continue next
				}
			}
			return fmt.Errorf("profile: unknown flag %q", name)
		}
	}
	*f = v
	return nil
}

// flags computes p's contradictions as of asOf under the lifecycle rules r.
func flags(p *Profile, asOf time.Time, r *lifecycle.Settings) Flag {
	var f Flag
	minDays, interval := r.DeclineMinDays, r.DefaultInterval
	if minDays == 0 || interval == 0 {
		d := lifecycle.DefaultSettings()
		if minDays == 0 {
			minDays = d.DeclineMinDays
		}
		if interval == 0 {
			interval = d.DefaultInterval
		}
	}
	stage := p.Stage()
	lapsed := stage == lifecycle.Decline || stage == lifecycle.Ended
	if p.Summary.Occasions == 0 {
		return FlagReturnsOnly
	}
	if lapsed && p.Segment == "Champions" {
		f |= FlagChampionDeclining
	}
	if lapsed && p.RFM.Recency <= float64(minDays) {
		f |= FlagRecentLapsed
	}
	age := cvm.DayNumber(asOf, time.UTC) - cvm.DayNumber(p.Summary.First, time.UTC)
	if age < int64(max(minDays, interval)) && stage != lifecycle.Exploration && stage != lifecycle.None {
		f |= FlagShortHistory
	}
	return f
}
