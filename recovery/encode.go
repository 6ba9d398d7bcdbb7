package recovery

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/envelope"
	"github.com/cvmkit/cvm/internal/parallel"
	"github.com/cvmkit/cvm/lifecycle"
	"github.com/cvmkit/cvm/value"
)

// The JSON formats of the package, in the library's envelope
// {"format": ..., "version": ..., ...}. Decoding a document of another
// format or version is a *[cvm.FormatError] naming both.
const (
	SettingsFormat  = "cvm.recovery.settings" // [Settings], the settings file of cvm recovery
	SettingsVersion = 1                       // the version of SettingsFormat
	BookFormat      = "cvm.recovery.book"     // a [Book]: card, settings, customers and their playbooks
	BookVersion     = 2                       // the version of BookFormat (1 had "config" for "settings" and no card)
)

// settingsFields drops the methods of Settings so that encoding does not
// recurse.
type settingsFields Settings

type settingsJSON struct {
	envelope.Header
	*settingsFields
}

// MarshalJSON encodes s in the envelope of [SettingsFormat] with every
// default filled in, so a settings file shows every coefficient ([Off] is
// written as its value). NaN or infinite parameters cannot be encoded and
// are an error.
func (s Settings) MarshalJSON() ([]byte, error) {
	f := s.filled()
	return json.Marshal(settingsJSON{envelope.New(SettingsFormat, SettingsVersion, nil), (*settingsFields)(&f)})
}

// UnmarshalJSON decodes settings written by MarshalJSON or by hand. A
// missing field is zero and takes its default, as in Go. Another format or
// version is a *cvm.FormatError; an unknown field, trailing data or
// invalid settings are errors naming the field. On error *s is unchanged.
func (s *Settings) UnmarshalJSON(b []byte) error {
	var d Settings
	if err := envelope.Decode("recovery", b, SettingsFormat, SettingsVersion, &settingsJSON{settingsFields: (*settingsFields)(&d)}); err != nil {
		return err
	}
	if err := d.Validate(); err != nil {
		return err
	}
	*s = d
	return nil
}

// customerJSON is one customer in the book encoding: the inputs and, when
// written by MarshalJSON, the 24 playbook rows (6 failure types x 4
// severities, failure type major). Quadrant and stage are their text
// forms, parsed by value.ParseQuadrant and lifecycle.ParseStage so that
// an error names the customer.
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
	envelope.Header
	Settings  Settings       `json:"settings"`
	Customers []customerJSON `json:"customers"`
}

// MarshalJSON encodes the book in the envelope of [BookFormat]: the model
// card ([Book.Card]), the settings, and per customer its inputs and its
// 24 playbook entries, about 6 KB a customer. A nil book is an error. A
// large book is better written with [Book.WriteJSON], which gives the
// same bytes without holding them.
func (b *Book) MarshalJSON() ([]byte, error) { return b.marshal(true) }

// MarshalInputsJSON encodes the book as MarshalJSON does but without the
// playbook entries: card, settings and customer inputs, about 25 times
// smaller. json.Unmarshal rebuilds the same book from it.
func (b *Book) MarshalInputsJSON() ([]byte, error) { return b.marshal(false) }

// WriteJSON writes MarshalJSON's encoding of the book to w, byte for
// byte, a few hundred customers at a time, encoded on every core: memory
// stays at a few such blocks, where MarshalJSON holds the whole document
// (and json.Marshal of a book a second copy). It returns the first error
// of w. A nil book is an error.
func (b *Book) WriteJSON(w io.Writer) error { return b.write(w, true) }

// WriteInputsJSON writes MarshalInputsJSON's encoding of the book to w,
// byte for byte, as WriteJSON does.
func (b *Book) WriteInputsJSON(w io.Writer) error { return b.write(w, false) }

func (b *Book) marshal(playbooks bool) ([]byte, error) {
	var buf bytes.Buffer
	if err := b.write(&buf, playbooks); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// write writes the book's encoding: the envelope and settings as
// json.Marshal encodes bookJSON with no customers, then the customers,
// each as json.Marshal encodes its customerJSON, which is how
// json.Marshal encodes them within the whole bookJSON. The book's chunks
// are encoded on every core and written in order
// (internal/parallel.OrderedWriter).
func (b *Book) write(w io.Writer, playbooks bool) error {
	if b == nil {
		return fmt.Errorf("recovery: encoding a nil book")
	}
	head, err := json.Marshal(bookJSON{Header: envelope.New(BookFormat, BookVersion, b.Card()), Settings: b.m.set, Customers: []customerJSON{}})
	if err != nil {
		return err
	}
	const tail = "]}"
	if !bytes.HasSuffix(head, []byte(tail)) {
		panic("recovery: the book's envelope does not end with its customers") // a change of bookJSON
	}
	if _, err := w.Write(head[:len(head)-len(tail)]); err != nil {
		return err
	}
	// A chunk (a few hundred customers) a record.
	err = parallel.WriteOrdered(w, len(b.chunks), 1, func(buf []byte, k int) ([]byte, error) {
		return b.encodeChunk(buf, b.chunks[k], k > 0, playbooks)
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, tail)
	return err
}

// encodeChunk appends the encodings of ch's customers to buf, each after a
// comma but the first when comma is false.
func (b *Book) encodeChunk(buf []byte, ch *chunk, comma, playbooks bool) ([]byte, error) {
	var rows []rowJSON
	if playbooks {
		rows = make([]rowJSON, 0, NumFailureTypes*NumSeverities)
	}
	for j := range ch.cust {
		c := &ch.cust[j]
		cj := customerJSON{
			ID: c.ID, Quadrant: c.Quadrant.String(), Tier: c.Tier, Stage: c.Stage.String(),
			Strength: c.Strength, Failures12m: c.Failures12m, LastRecoveryOK: c.LastRecoveryOK,
			Channel: c.Channel, Influence: c.Influence, GrossProfit: c.GrossProfit,
		}
		if playbooks {
			rows = rows[:0]
			sl := b.find(c.ID)
			for t := range NumFailureTypes {
				for s := range NumSeverities {
					rows = append(rows, b.m.row(sl, t, s))
				}
			}
			cj.Playbook = rows
		}
		if comma || j > 0 {
			buf = append(buf, ',')
		}
		var err error
		if buf, err = appendCustomer(buf, &cj); err != nil {
			return nil, fmt.Errorf("recovery: customer %q: %w", c.ID, err)
		}
	}
	return buf, nil
}

// appendCustomer appends cj as json.Marshal encodes it. It writes the
// common case itself (plain ASCII strings, valid enumerations, finite
// numbers) and hands any other customer to json.Marshal, so that the
// bytes, and the errors, are encoding/json's in every case; reflection
// made the encoding most of cvm run's time on a large book.
func appendCustomer(b []byte, cj *customerJSON) ([]byte, error) {
	if out, ok := appendCustomerPlain(b, cj); ok {
		return out, nil
	}
	js, err := json.Marshal(cj)
	if err != nil {
		return b, err
	}
	return append(b, js...), nil
}

// appendCustomerPlain appends cj in customerJSON's field order and tags
// and reports true, or returns b as it was and false when cj holds
// anything beyond the common case.
func appendCustomerPlain(b []byte, cj *customerJSON) ([]byte, bool) {
	start := len(b)
	ok := true
	str := func(key, v string) {
		b = append(b, key...)
		if ok = ok && plainJSON(v); ok {
			b = append(b, '"')
			b = append(b, v...)
			b = append(b, '"')
		}
	}
	float := func(key string, f float64, bits int) {
		b = append(b, key...)
		var fine bool
		b, fine = appendJSONFloat(b, f, bits)
		ok = ok && fine
	}
	str(`{"customer":`, cj.ID)
	str(`,"quadrant":`, cj.Quadrant)
	b = append(b, `,"tier":`...) // value.Tier's MarshalJSON: its number
	b = strconv.AppendInt(b, int64(cj.Tier), 10)
	str(`,"stage":`, cj.Stage)
	float(`,"strength":`, cj.Strength, 64)
	b = append(b, `,"failures_12m":`...)
	b = strconv.AppendInt(b, int64(cj.Failures12m), 10)
	b = append(b, `,"last_recovery_ok":`...)
	b = strconv.AppendBool(b, cj.LastRecoveryOK)
	if cj.Channel != "" {
		str(`,"channel":`, cj.Channel)
	}
	float(`,"influence":`, cj.Influence, 64)
	float(`,"gross_profit":`, cj.GrossProfit, 64)
	if len(cj.Playbook) > 0 {
		b = append(b, `,"playbook":[`...)
		for i := range cj.Playbook {
			r := &cj.Playbook[i]
			if i > 0 {
				b = append(b, ',')
			}
			if !r.Failure.Valid() || !r.Severity.Valid() || !r.Apology.Valid() || !r.Owner.Valid() {
				return b[:start], false
			}
			str(`{"failure":`, r.Failure.String())
			str(`,"severity":`, r.Severity.String())
			float(`,"expected":`, float64(r.Expected), 32)
			float(`,"ratio":`, float64(r.Ratio), 32)
			float(`,"cap":`, float64(r.Cap), 32)
			float(`,"pre_approved":`, float64(r.PreApproved), 32)
			float(`,"churn_with":`, float64(r.ChurnWith), 32)
			float(`,"churn_without":`, float64(r.ChurnOut), 32)
			b = append(b, `,"acknowledge_min":`...)
			b = strconv.AppendUint(b, uint64(r.AckMin), 10)
			b = append(b, `,"resolve_min":`...)
			b = strconv.AppendUint(b, uint64(r.ResMin), 10)
			str(`,"apology":`, r.Apology.String())
			str(`,"owner":`, r.Owner.String())
			if r.Paradox {
				b = append(b, `,"paradox":true`...)
			}
			if r.Escalated {
				b = append(b, `,"escalated":true`...)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, '}')
	if !ok {
		return b[:start], false
	}
	return b, true
}

// plainJSON reports whether encoding/json writes s as its bytes in
// quotes: printable ASCII without the characters it escapes (quote,
// backslash, and <, > and & for HTML).
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// appendJSONFloat appends f of the given bit size as encoding/json does
// (shortest form; exponent form below 1e-6 and from 1e21, its exponent
// without a leading zero), or reports false for NaN and infinities,
// which encoding/json refuses.
func appendJSONFloat(b []byte, f float64, bits int) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

// row returns the playbook row of failure type index t and severity
// index s from the customer's packed slot.
func (m *Model) row(sl *slot, t, s int) rowJSON {
	// The entry's numbers are float32s widened and whole minutes, so the
	// row holds them exactly.
	var e Entry
	m.fill(&e, FailureType(t+1), Severity(s+1), sl, "")
	return rowJSON{
		Failure: e.Failure, Severity: e.Severity,
		Expected: float32(e.Expected), Ratio: float32(e.Ratio), Cap: float32(e.Cap), PreApproved: float32(e.PreApproved),
		ChurnWith: float32(e.ChurnWith), ChurnOut: float32(e.ChurnWithout),
		AckMin: uint32(e.AcknowledgeBy / time.Minute), ResMin: uint32(e.ResolveBy / time.Minute),
		Apology: e.Apology, Owner: e.Owner, Paradox: e.Paradox, Escalated: e.Escalated,
	}
}

// UnmarshalJSON decodes a book written by [Book.MarshalJSON] or
// [Book.MarshalInputsJSON]; it is the one way to load a book
// (json.Unmarshal(data, &book)). It rebuilds the playbooks from the stored
// settings (missing settings are the defaults) and inputs; customers whose
// stored playbook rows differ from the rebuild (edited by hand, or
// written by a different version of the model) are an error wrapping
// [ErrFormat], and so is a card whose customer count or fingerprint does
// not match the inputs. Customers without playbook rows are simply built,
// so a hand-written file with the settings and inputs only is accepted.
// Another format or version is a *cvm.FormatError; unknown fields and
// trailing data are errors naming them. On error *b is unchanged.
// Rebuilding takes about a second per million customers and cannot be
// cancelled (json.Unmarshal takes no context); a host that must cancel
// keeps the inputs and calls [Model.Build] with its ctx.
func (b *Book) UnmarshalJSON(data []byte) error {
	var v bookJSON
	if err := envelope.Decode("recovery", data, BookFormat, BookVersion, &v); err != nil {
		return err
	}
	m, err := New(&v.Settings)
	if err != nil {
		return err
	}
	cs := make([]Customer, len(v.Customers))
	for i, cj := range v.Customers {
		q, err := value.ParseQuadrant(cj.Quadrant)
		if err != nil {
			return &CustomerError{Index: i, Customer: cj.ID, Field: "quadrant", Err: err}
		}
		st, err := lifecycle.ParseStage(cj.Stage)
		if err != nil {
			return &CustomerError{Index: i, Customer: cj.ID, Field: "stage", Err: err}
		}
		if n := len(cj.Playbook); n != 0 && n != NumFailureTypes*NumSeverities {
			return &CustomerError{Index: i, Customer: cj.ID, Field: "playbook", Err: fmt.Errorf("%w: %d rows, want %d", ErrFormat, n, NumFailureTypes*NumSeverities)}
		}
		cs[i] = Customer{ID: cj.ID, Quadrant: q, Tier: cj.Tier, Stage: st, Strength: cj.Strength,
			Failures12m: cj.Failures12m, LastRecoveryOK: cj.LastRecoveryOK, Channel: cj.Channel,
			Influence: cj.Influence, GrossProfit: cj.GrossProfit}
	}
	var bs BuildSettings
	if v.Card != nil {
		bs.AsOf = v.Card.AsOf
	}
	nb, err := m.Build(context.Background(), cs, &bs)
	if err != nil {
		return err
	}
	for i, cj := range v.Customers {
		if len(cj.Playbook) == 0 {
			continue
		}
		sl := nb.find(cj.ID)
		for _, r := range cj.Playbook {
			if !r.Failure.Valid() || !r.Severity.Valid() {
				return &CustomerError{Index: i, Customer: cj.ID, Field: "playbook", Err: ErrFormat}
			}
			if want := m.row(sl, int(r.Failure-1), int(r.Severity-1)); r != want {
				return &CustomerError{Index: i, Customer: cj.ID, Field: "playbook",
					Err: fmt.Errorf("%w: %s %s row does not match the settings and inputs", ErrFormat, r.Failure, r.Severity)}
			}
		}
	}
	if c := v.Card; c != nil {
		got := nb.Card()
		if c.Customers != got.Customers || (c.Fingerprint != "" && c.Fingerprint != got.Fingerprint) {
			return fmt.Errorf("%w: book card: %d customers, fingerprint %s; the inputs give %d, %s",
				ErrFormat, c.Customers, c.Fingerprint, got.Customers, got.Fingerprint)
		}
	}
	*b = *nb
	return nil
}

// Card returns the book's model card: the library version, the as-of time
// given to [Model.Build], the number of customers and a fingerprint of
// their inputs (counts by quadrant, tier and stage and the sums of the
// numeric fields, in book order; never the inputs themselves). It is
// computed on each call, so it follows [Book.WithCustomers]. A nil book
// has a card with no customers.
func (b *Book) Card() *cvm.ModelCard {
	c := cvm.NewModelCard()
	if b == nil {
		return &c
	}
	c.AsOf = b.asOf
	c.Customers = b.n
	var quad [5]float64
	var stage [int(lifecycle.Ended) + 1]float64
	var tier [256]float64
	var strength, failures, grudges, influence, profit float64
	for _, ch := range b.chunks {
		for j := range ch.cust {
			x := &ch.cust[j]
			quad[x.Quadrant]++
			stage[x.Stage]++
			tier[x.Tier]++
			strength += x.Strength
			failures += float64(x.Failures12m)
			if x.grudge() {
				grudges++
			}
			influence += x.Influence
			profit += x.GrossProfit
		}
	}
	figs := append([]float64{float64(b.n), strength, failures, grudges, influence, profit}, quad[1:]...)
	figs = append(figs, stage[:]...)
	figs = append(figs, tier[:]...)
	c.Fingerprint = cvm.Fingerprint(figs...)
	return &c
}
