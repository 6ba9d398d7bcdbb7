package contact

import (
	"context"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/internal/synth"
	"github.com/cvmkit/cvm/profile"
)

// Customers derives the contact view of a built customer file: the same
// stage, forecast, summary and value; the stated channel from the
// attributes; a customer whose attributes give no consent opted out.
func TestCustomersFromFile(t *testing.T) {
	cfg := synth.Config{Customers: 400, Seed: 2}
	attrs := []profile.Attributes{
		{Customer: synth.CustomerID(0, 400), Channel: "sms", Consent: true},
		{Customer: synth.CustomerID(1, 400)},
	}
	f := check.Must(profile.Build(context.Background(), synth.Transactions(cfg), attrs, &profile.Settings{Indicators: profile.SummaryIndicators}))
	cs := check.Must(Customers(nil, f))
	if len(cs) != len(f.Profiles) {
		t.Fatalf("%d customers of %d profiles", len(cs), len(f.Profiles))
	}
	for i := range cs {
		p, c := &f.Profiles[i], &cs[i]
		if c.ID != p.Customer || c.Stage != p.Stage() || c.Quadrant != p.Value.Quadrant || c.Occasions != p.Summary.Occasions ||
			c.Forecast != p.CLV.OK || c.CLV != p.CLV.Value || !c.Since.Equal(p.Lifecycle.Since()) {
			t.Fatalf("%s: %+v from %+v", c.ID, c, p)
		}
		want := ChannelSet(0)
		if c.ID == attrs[1].Customer {
			want = AllChannels
		}
		if c.OptOut != want {
			t.Errorf("%s: opt-out %s, want %s", c.ID, c.OptOut, want)
		}
	}
	if cs[0].Channel != SMS {
		t.Errorf("stated channel %s, want sms", cs[0].Channel)
	}
	p := check.Must(Decide(context.Background(), cs, nil, nil, f.AsOf, nil))
	for _, d := range p.Decisions {
		if d.Customer == attrs[1].Customer {
			t.Fatal("a customer without consent is in the plan")
		}
		if d.SendAt.Before(f.AsOf) || d.SendAt.Hour() < 9 || d.SendAt.Hour() >= 20 {
			t.Fatalf("%s: send at %s", d.Customer, d.SendAt)
		}
	}
}
