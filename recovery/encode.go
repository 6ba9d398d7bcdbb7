package recovery

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/cvmkit/cvm/lifecycle"
	"github.com/cvmkit/cvm/value"
)

// Format names and versions written into the JSON encodings.
const (
	ConfigFormat  = "cvm.recovery.config"
	BookFormat    = "cvm.recovery.book"
	FormatVersion = 1
)

type configAlias Config

type configJSON struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	*configAlias
}

// MarshalJSON encodes c with its format name and version. NaN or infinite
// parameters cannot be encoded and are an error.
func (c Config) MarshalJSON() ([]byte, error) {
	return json.Marshal(configJSON{Format: ConfigFormat, Version: FormatVersion, configAlias: (*configAlias)(&c)})
}

// UnmarshalJSON decodes a configuration written by MarshalJSON. Fields
// missing from the input keep DefaultConfig's values; unknown fields,
// another format or version, and an invalid configuration are errors.
func (c *Config) UnmarshalJSON(b []byte) error {
	d := DefaultConfig()
	d.TierSpeed = nil
	v := configJSON{configAlias: (*configAlias)(&d)}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("%w: config: %v", ErrFormat, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: config: trailing data", ErrFormat)
	}
	if v.Format != ConfigFormat || v.Version != FormatVersion {
		return fmt.Errorf("%w: config format %q version %d, want %q version %d", ErrFormat, v.Format, v.Version, ConfigFormat, FormatVersion)
	}
	if d.TierSpeed == nil {
		d.TierSpeed = DefaultConfig().TierSpeed
	}
	if err := d.Validate(); err != nil {
		return err
	}
	*c = d
	return nil
}

// customerJSON is one customer in the book encoding: the inputs and, when
// written by MarshalJSON, the 24 playbook rows (6 failure types x 4
// severities, failure type major).
type customerJSON struct {
	ID             string     `json:"customer"`
	Quadrant       string     `json:"quadrant"`
	Tier           value.Tier `json:"tier"`
	Stage          string     `json:"stage"`
	Strength       float64    `json:"strength"`
	Failures12m    int        `json:"failures_12m"`
	LastRecoveryOK bool       `json:"last_recovery_ok"`
	Channel        string     `json:"channel,omitempty"`
	Influence      float64    `json:"influence"`
	GrossProfit    float64    `json:"gross_profit"`
	Playbook       []rowJSON  `json:"playbook,omitempty"`
}

// rowJSON is one playbook entry as stored: the values are float32, as in
// the book, so they round-trip exactly.
type rowJSON struct {
	Failure     FailureType `json:"failure"`
	Severity    Severity    `json:"severity"`
	Expected    float32     `json:"expected"`
	Ratio       float32     `json:"ratio"`
	Cap         float32     `json:"cap"`
	PreApproved float32     `json:"pre_approved"`
	ChurnWith   float32     `json:"churn_with"`
	ChurnOut    float32     `json:"churn_without"`
	AckMin      uint32      `json:"acknowledge_min"`
	ResMin      uint32      `json:"resolve_min"`
	Apology     Apology     `json:"apology"`
	Owner       Owner       `json:"owner"`
	Paradox     bool        `json:"paradox,omitempty"`
	Escalated   bool        `json:"escalated,omitempty"`
}

type bookJSON struct {
	Format    string         `json:"format"`
	Version   int            `json:"version"`
	Config    Config         `json:"config"`
	Customers []customerJSON `json:"customers"`
}

// MarshalJSON encodes the book: format and version, the model
// configuration, and per customer its inputs and its 24 playbook entries.
func (b *Book) MarshalJSON() ([]byte, error) { return b.marshal(true) }

// MarshalInputsJSON encodes the book without the playbook entries: format
// and version, configuration and customer inputs, about 25 times smaller
// than MarshalJSON. [DecodeBook] rebuilds the same book from it.
func (b *Book) MarshalInputsJSON() ([]byte, error) { return b.marshal(false) }

func (b *Book) marshal(playbooks bool) ([]byte, error) {
	v := bookJSON{Format: BookFormat, Version: FormatVersion, Config: b.m.cfg, Customers: make([]customerJSON, 0, b.n)}
	for _, ch := range b.chunks {
		for j := range ch.cust {
			c := &ch.cust[j]
			cj := customerJSON{
				ID: c.ID, Quadrant: c.Quadrant.String(), Tier: c.Tier, Stage: c.Stage.String(),
				Strength: c.Strength, Failures12m: c.Failures12m, LastRecoveryOK: c.LastRecoveryOK,
				Channel: c.Channel, Influence: c.Influence, GrossProfit: c.GrossProfit,
			}
			if playbooks {
				cj.Playbook = make([]rowJSON, 0, NumFailureTypes*NumSeverities)
			}
			for t := range NumFailureTypes * btoi(playbooks) {
				for s := range NumSeverities {
					r := &ch.blk[j*NumSeverities+s].sevRec
					tr := &ch.blk[j*NumSeverities+s].typ[t]
					cj.Playbook = append(cj.Playbook, rowJSON{
						Failure: FailureType(t + 1), Severity: Severity(s + 1),
						Expected: tr.expected, Ratio: tr.ratio, Cap: r.cap, PreApproved: r.pre,
						ChurnWith: r.churnWith, ChurnOut: r.churnOut, AckMin: r.ackMin, ResMin: r.resMin,
						Apology: r.apology, Owner: r.owner,
						Paradox: r.flags&flagParadox != 0, Escalated: r.flags&flagEscalated != 0,
					})
				}
			}
			v.Customers = append(v.Customers, cj)
		}
	}
	return json.Marshal(v)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// DecodeBook decodes a book written by [Book.MarshalJSON] or
// [Book.MarshalInputsJSON]. It rebuilds the
// playbooks from the stored configuration and inputs; customers whose
// stored playbook rows differ from the rebuild (edited by hand, or written
// by a different version of the model) are an error wrapping [ErrFormat].
// Customers without playbook rows are simply built, so a hand-written
// file with the configuration and inputs only is accepted.
func DecodeBook(data []byte) (*Book, error) {
	var v bookJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: book: %w", ErrFormat, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: book: trailing data", ErrFormat)
	}
	if v.Format != BookFormat || v.Version != FormatVersion {
		return nil, fmt.Errorf("%w: book format %q version %d, want %q version %d", ErrFormat, v.Format, v.Version, BookFormat, FormatVersion)
	}
	if v.Config.TierSpeed == nil {
		return nil, fmt.Errorf("%w: book: missing config", ErrFormat)
	}
	m, err := New(&v.Config)
	if err != nil {
		return nil, err
	}
	cs := make([]Customer, len(v.Customers))
	for i, cj := range v.Customers {
		q, ok := ParseQuadrant(cj.Quadrant)
		if !ok {
			return nil, &CustomerError{Index: i, Customer: cj.ID, Field: "quadrant", Err: ErrBadValue}
		}
		st, ok := ParseStage(cj.Stage)
		if !ok {
			return nil, &CustomerError{Index: i, Customer: cj.ID, Field: "stage", Err: ErrBadValue}
		}
		cs[i] = Customer{ID: cj.ID, Quadrant: q, Tier: cj.Tier, Stage: st, Strength: cj.Strength,
			Failures12m: cj.Failures12m, LastRecoveryOK: cj.LastRecoveryOK, Channel: cj.Channel,
			Influence: cj.Influence, GrossProfit: cj.GrossProfit}
	}
	b, err := m.Build(cs)
	if err != nil {
		return nil, err
	}
	for i, cj := range v.Customers {
		if len(cj.Playbook) == 0 {
			continue
		}
		if len(cj.Playbook) != NumFailureTypes*NumSeverities {
			return nil, &CustomerError{Index: i, Customer: cj.ID, Field: "playbook", Err: fmt.Errorf("%w: %d rows, want %d", ErrFormat, len(cj.Playbook), NumFailureTypes*NumSeverities)}
		}
		ch := b.chunks[i>>chunkBits]
		j := i & (chunkSize - 1)
		for _, row := range cj.Playbook {
			if !row.Failure.Valid() || !row.Severity.Valid() {
				return nil, &CustomerError{Index: i, Customer: cj.ID, Field: "playbook", Err: ErrFormat}
			}
			t, s := int(row.Failure-1), int(row.Severity-1)
			r := &ch.blk[j*NumSeverities+s].sevRec
			tr := &ch.blk[j*NumSeverities+s].typ[t]
			want := rowJSON{Failure: row.Failure, Severity: row.Severity,
				Expected: tr.expected, Ratio: tr.ratio, Cap: r.cap, PreApproved: r.pre,
				ChurnWith: r.churnWith, ChurnOut: r.churnOut, AckMin: r.ackMin, ResMin: r.resMin,
				Apology: r.apology, Owner: r.owner,
				Paradox: r.flags&flagParadox != 0, Escalated: r.flags&flagEscalated != 0}
			if row != want {
				return nil, &CustomerError{Index: i, Customer: cj.ID, Field: "playbook",
					Err: fmt.Errorf("%w: %s %s row does not match the configuration and inputs", ErrFormat, row.Failure, row.Severity)}
			}
		}
	}
	return b, nil
}

// ParseQuadrant parses a value quadrant written as a Roman numeral ("I" to
// "IV", case-insensitive) or a digit ("1" to "4").
func ParseQuadrant(s string) (value.Quadrant, bool) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "I", "1":
		return value.QuadrantI, true
	case "II", "2":
		return value.QuadrantII, true
	case "III", "3":
		return value.QuadrantIII, true
	case "IV", "4":
		return value.QuadrantIV, true
	}
	return 0, false
}

// ParseStage parses a lifecycle stage name as written by Stage.String
// ("none", "exploration", "formation", "stability", "decline", "ended"),
// case-insensitively, or its number 0 to 5.
func ParseStage(s string) (lifecycle.Stage, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for st := lifecycle.None; st <= lifecycle.Ended; st++ {
		if s == st.String() {
			return st, true
		}
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= int(lifecycle.Ended) {
		return lifecycle.Stage(n), true
	}
	return 0, false
}

// ParseTier parses a pyramid tier: a number 1 to 255, or a default tier
// name (platinum 1, gold 2, iron 3, lead 4), case-insensitively.
func ParseTier(s string) (value.Tier, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "platinum":
		return 1, true
	case "gold":
		return 2, true
	case "iron":
		return 3, true
	case "lead":
		return 4, true
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > math.MaxUint8 {
		return 0, false
	}
	return value.Tier(n), true
}
