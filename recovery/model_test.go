package recovery

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/lifecycle"
	"github.com/cvmkit/cvm/value"
)

const tol = 1e-6 // stored values are float32: relative precision ~6e-8

// near compares a stored float32 value with its hand computation.
func near(got, want float64) bool { return check.Close(got, want, tol, tol) }

func mustModel(t testing.TB, cfg *Settings) *Model {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustEntry(t testing.TB, m *Model, c Customer, ft FailureType, s Severity) Entry {
	t.Helper()
	e, err := m.Playbook(c, ft, s)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// keyAccount is a quadrant IV, tier 1 customer in the stability stage.
var keyAccount = Customer{ID: "K1", Quadrant: value.QuadrantIV, Tier: 1, Stage: lifecycle.Stability,
	Strength: 0.8, LastRecoveryOK: true, GrossProfit: 200_000}

// Policy: a quadrant IV customer in stability with an S4 failure gets an
// executive apology, the fastest deadlines and the highest cap.
func TestPolicyKeyAccountS4(t *testing.T) {
	m := mustModel(t, nil)
	for ft := MoneyLoss; ft <= Outage; ft++ {
		e := mustEntry(t, m, keyAccount, ft, S4)
		// Defaults: S4 starts at manager; quadrant IV escalates from S3.
		if e.Apology != ApologyExecutive || e.Owner != OwnerExecutive {
			t.Errorf("%v: apology %v owner %v, want executive, executive", ft, e.Apology, e.Owner)
		}
		// Deadlines: 1 h and 8 h for S4 at tier speed 0.25 (DefaultSettings).
		if e.AcknowledgeBy != 15*time.Minute || e.ResolveBy != 2*time.Hour {
			t.Errorf("%v: deadlines %v, %v; want 15m, 2h", ft, e.AcknowledgeBy, e.ResolveBy)
		}
		// Cap: 1.0 x min(5000, max(0.10 x 200000, 20)) = 5000.
		if !near(e.Cap, 5000) {
			t.Errorf("%v: cap %v, want 5000", ft, e.Cap)
		}
	}
	// No other customer, failure or severity gets a faster deadline or a
	// higher cap.
	best := mustEntry(t, m, keyAccount, Outage, S4)
	b, err := m.Build(context.Background(), synthCustomers(2000, 11), nil)
	if err != nil {
		t.Fatal(err)
	}
	for c := range b.Customers {
		for ft := MoneyLoss; ft <= Outage; ft++ {
			for s := S1; s <= S4; s++ {
				e, err := b.Lookup(c.ID, ft, s)
				if err != nil {
					t.Fatal(err)
				}
				if e.AcknowledgeBy < best.AcknowledgeBy || e.ResolveBy < best.ResolveBy || e.Cap > best.Cap {
					t.Fatalf("%s %v %v: ack %v resolve %v cap %v beats the key account's %v %v %v",
						c.ID, ft, s, e.AcknowledgeBy, e.ResolveBy, e.Cap, best.AcknowledgeBy, best.ResolveBy, best.Cap)
				}
			}
		}
	}
}

// Policy: a first-time S1 failure for a loyal customer is eligible for the
// paradox and gets a small over-compensation; repeat or severe failures
// only restore.
func TestPolicyParadox(t *testing.T) {
	m := mustModel(t, nil)
	loyal := Customer{ID: "L", Quadrant: value.QuadrantIII, Tier: 2, Stage: lifecycle.Stability,
		Strength: 0.9, LastRecoveryOK: true, GrossProfit: 5000}
	tests := []struct {
		name     string
		failures int
		sev      Severity
		paradox  bool
		expected float64 // hand computation from the formulas in doc.go with DefaultSettings
		ratio    float64
		loss     float64
		restore  float64 // RestoreRatio (1 for billing) x loss, never capped
		comp     float64 // goodwill: (ratio - 1) x loss, within the cap
	}{
		// expected = 1 x 1 x 1 x (1 - 0.2 x 0.9) = 0.82; aim = max(0.82, 1) x 1.2 = 1.2.
		// cap = 0.25 x min(500, max(500, 20)) = 125; goodwill 0.2 x 100 = 20 < 125.
		{"first S1", 0, S1, true, 0.82, 1.2, 100, 100, 20},
		// S2 is still low severity: expected = 1.1 x 0.82 = 0.902; aim = 1 x 1.2.
		{"first S2", 0, S2, true, 0.902, 1.2, 100, 100, 20},
		// S3: not eligible. expected = 1.25 x 0.82 = 1.025 = aim.
		// cap = 0.75 x 500 = 375.
		{"first S3", 0, S3, false, 1.025, 1.025, 100, 100, 2.5},
		// Second failure in 12 months: expected = 1.15 x 0.82 = 0.943; aim = restore = 1.
		{"repeat S1", 1, S1, false, 0.943, 1, 100, 100, 0},
	}
	for _, tc := range tests {
		c := loyal
		c.Failures12m = tc.failures
		e := mustEntry(t, m, c, MoneyLoss, tc.sev)
		if e.Paradox != tc.paradox || !near(e.Expected, tc.expected) || !near(e.Ratio, tc.ratio) {
			t.Errorf("%s: paradox %v expected %v ratio %v; want %v %v %v", tc.name, e.Paradox, e.Expected, e.Ratio, tc.paradox, tc.expected, tc.ratio)
		}
		r, err := e.Resolve(tc.loss)
		if err != nil {
			t.Fatal(err)
		}
		if r.Restore != tc.restore || !near(r.Compensation, tc.comp) || r.Total != r.Restore+r.Compensation || r.Capped {
			t.Errorf("%s: restore %v compensation %v total %v capped %v, want %v %v %v false",
				tc.name, r.Restore, r.Compensation, r.Total, r.Capped, tc.restore, tc.comp, tc.restore+tc.comp)
		}
		if tc.paradox && (r.Compensation <= 0 || r.Total > 1.25*tc.loss) {
			t.Errorf("%s: paradox total %v is not a small over-compensation of %v", tc.name, r.Total, tc.loss)
		}
	}
}

// Policy: a repeat failure after an unsatisfying recovery escalates the
// apology one level, adds the grudge follow-up and raises expectations.
func TestPolicyRepeatAfterUnsatisfyingRecovery(t *testing.T) {
	m := mustModel(t, nil)
	ok := Customer{ID: "R", Quadrant: value.QuadrantI, Tier: 4, Stage: lifecycle.Formation,
		Strength: 0.5, Failures12m: 1, LastRecoveryOK: true, GrossProfit: 300}
	bad := ok
	bad.LastRecoveryOK = false
	wantApology := [NumSeverities][2]Apology{ // [satisfied, unsatisfied]: base level, one up
		{ApologyFrontLine, ApologyManager}, {ApologyFrontLine, ApologyManager},
		{ApologyManager, ApologyExecutive}, {ApologyManager, ApologyExecutive},
	}
	wantFollow := [NumSeverities][2][MaxFollowUps]uint16{
		{{7}, {7, 60}}, {{3, 30}, {3, 30, 60}}, {{1, 7, 30}, {1, 7, 30, 60}}, {{1, 7, 30, 90}, {1, 7, 30, 90}},
	}
	for s := S1; s <= S4; s++ {
		eo := mustEntry(t, m, ok, Defect, s)
		eb := mustEntry(t, m, bad, Defect, s)
		if eo.Apology != wantApology[s-1][0] || eb.Apology != wantApology[s-1][1] || eo.Escalated || !eb.Escalated {
			t.Errorf("%v: apology %v/%v escalated %v/%v, want %v/%v false/true", s, eo.Apology, eb.Apology,
				eo.Escalated, eb.Escalated, wantApology[s-1][0], wantApology[s-1][1])
		}
		if eo.FollowUp != wantFollow[s-1][0] || eb.FollowUp != wantFollow[s-1][1] {
			t.Errorf("%v: follow-up %v/%v, want %v/%v", s, eo.FollowUp, eb.FollowUp, wantFollow[s-1][0], wantFollow[s-1][1])
		}
		// Expectation: 1.15 x (1 - 0.2 x 0.5) = 1.035 satisfied;
		// 1.15 x (1 + 0.25 + 0.5 x 0.5) = 1.725 unsatisfied (x SeverityExpectation).
		sf := DefaultSettings().SeverityExpectation[s-1]
		if !near(eo.Expected, 1.035*sf) || !near(eb.Expected, 1.725*sf) {
			t.Errorf("%v: expected %v/%v, want %v/%v", s, eo.Expected, eb.Expected, 1.035*sf, 1.725*sf)
		}
		if eb.ChurnWithout <= eo.ChurnWithout || eb.ChurnWith <= eo.ChurnWith {
			t.Errorf("%v: churn after an unsatisfying recovery %v/%v not above %v/%v", s, eb.ChurnWithout, eb.ChurnWith, eo.ChurnWithout, eo.ChurnWith)
		}
	}
	// Owners for quadrant I: manager level goes to the service manager.
	if e := mustEntry(t, m, bad, Defect, S1); e.Owner != OwnerServiceManager {
		t.Errorf("owner %v, want service-manager", e.Owner)
	}
}

// Policy: the preferred channel is used for every failure and severity;
// without one, the default for the severity.
func TestPolicyPreferredChannel(t *testing.T) {
	m := mustModel(t, nil)
	c := Customer{ID: "P", Quadrant: value.QuadrantII, Tier: 3, Stage: lifecycle.Exploration, Channel: "sms"}
	b, err := m.Build(context.Background(), []Customer{c, {ID: "N", Quadrant: value.QuadrantII}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := [NumSeverities]string{"email", "email", "phone", "phone"} // DefaultSettings.DefaultChannel
	for ft := MoneyLoss; ft <= Outage; ft++ {
		for s := S1; s <= S4; s++ {
			e, err := b.Lookup("P", ft, s)
			if err != nil || e.Channel != "sms" {
				t.Errorf("P %v %v: channel %q err %v, want sms", ft, s, e.Channel, err)
			}
			e, err = b.Lookup("N", ft, s)
			if err != nil || e.Channel != want[s-1] {
				t.Errorf("N %v %v: channel %q err %v, want %s", ft, s, e.Channel, err, want[s-1])
			}
		}
	}
}

// Churn from the TARP figures (TARP 1986, as quoted in the issue): for a
// neutral customer (formation stage, strength 0, no history) churn is one
// minus the repurchase rate.
func TestChurnTARP(t *testing.T) {
	m := mustModel(t, nil)
	c := Customer{ID: "T", Quadrant: value.QuadrantI, Stage: lifecycle.Formation}
	tests := []struct {
		s             Severity
		without, with float64
	}{
		{S1, 1 - 0.46, 1 - 0.95}, // minor problem
		{S4, 1 - 0.19, 1 - 0.82}, // major problem
		// S2 = 2/3 minor + 1/3 major: 1-(2/3 x 0.46 + 1/3 x 0.19) = 0.63; 1-(2/3 x 0.95 + 1/3 x 0.82) = 0.093333.
		{S2, 0.63, 1 - (2*0.95+0.82)/3},
		{S3, 1 - (0.46+2*0.19)/3, 1 - (0.95+2*0.82)/3},
	}
	for _, tc := range tests {
		e := mustEntry(t, m, c, Staff, tc.s)
		if !near(e.ChurnWithout, tc.without) || !near(e.ChurnWith, tc.with) {
			t.Errorf("%v: churn %v/%v, want %v/%v", tc.s, e.ChurnWithout, e.ChurnWith, tc.without, tc.with)
		}
	}
	// Adjusted: stability (-0.5), strength 1 (-1 with, +0.5 without), two
	// failures (+0.5), last recovery unsatisfying (+0.75), S1.
	// Plain reference: churn = 1/(1+exp(-(ln(p/(1-p)) + shift))).
	ref := func(p, shift float64) float64 { return 1 / (1 + math.Exp(-(math.Log(p/(1-p)) + shift))) }
	c2 := Customer{ID: "T2", Quadrant: value.QuadrantI, Stage: lifecycle.Stability, Strength: 1, Failures12m: 2}
	e := mustEntry(t, m, c2, Staff, S1)
	if w, wo := ref(0.05, -0.5+0.5-1+0.75), ref(0.54, -0.5+0.5+0.5+0.75); !near(e.ChurnWith, w) || !near(e.ChurnWithout, wo) {
		t.Errorf("adjusted churn %v/%v, want %v/%v", e.ChurnWith, e.ChurnWithout, w, wo)
	}
}

// Caps, pre-approval and deadlines by quadrant, profit, severity and tier,
// hand-computed from DefaultSettings.
func TestCapsAndDeadlines(t *testing.T) {
	m := mustModel(t, nil)
	tests := []struct {
		name          string
		q             value.Quadrant
		tier          value.Tier
		gp            float64
		s             Severity
		cap, pre      float64
		ack, resolveH float64 // minutes, hours
	}{
		// 0.5 x min(250, max(100, 20)) = 50; pre = min(50, 50); tier 2: 8h x 0.5, 72h x 0.5.
		{"II S2", value.QuadrantII, 2, 1000, S2, 50, 50, 240, 36},
		// Negative profit: floor 20. 1.0 x min(50, 20) = 20; tier 0 = slowest (1.0).
		{"I loss-making S4", value.QuadrantI, 0, -10, S4, 20, 20, 60, 8},
		// 0.75 x min(500, 400) = 300; pre = 100; tier 3: 2h x 0.75 = 90 min, 24h x 0.75 = 18h.
		{"III S3", value.QuadrantIII, 3, 4000, S3, 300, 100, 90, 18},
		// Tier 9 is beyond TierSpeed: the last element, 1.0. 0.25 x min(5000, 20) = 5.
		{"IV no profit S1", value.QuadrantIV, 9, 0, S1, 5, 5, 24 * 60, 120},
	}
	for _, tc := range tests {
		c := Customer{ID: "x", Quadrant: tc.q, Tier: tc.tier, GrossProfit: tc.gp}
		e := mustEntry(t, m, c, Outage, tc.s)
		if !near(e.Cap, tc.cap) || !near(e.PreApproved, tc.pre) {
			t.Errorf("%s: cap %v pre %v, want %v %v", tc.name, e.Cap, e.PreApproved, tc.cap, tc.pre)
		}
		if e.AcknowledgeBy != time.Duration(tc.ack)*time.Minute || e.ResolveBy != time.Duration(tc.resolveH*60)*time.Minute {
			t.Errorf("%s: deadlines %v %v, want %vm %vh", tc.name, e.AcknowledgeBy, e.ResolveBy, tc.ack, tc.resolveH)
		}
	}
}

// Remedies match the failure type (Smith, Bolton & Wagner 1999), and staff
// failures, which mostly cost no money, restore at 0.25 of the loss.
func TestRemedyMatchesFailure(t *testing.T) {
	m := mustModel(t, nil)
	want := map[FailureType]Remedy{MoneyLoss: RemedyMoney, Defect: RemedyReplacement, Delivery: RemedyReperformance,
		FailedService: RemedyReperformance, Staff: RemedyAttention, Outage: RemedyMoney}
	c := Customer{ID: "x", Quadrant: value.QuadrantII, Failures12m: 1, LastRecoveryOK: true}
	for ft, r := range want {
		if e := mustEntry(t, m, c, ft, S3); e.Remedy != r {
			t.Errorf("%v: remedy %v, want %v", ft, e.Remedy, r)
		}
	}
	// Delivery: fault 0.8; S3, one failure, strength 0:
	// expected = 0.8 x 1.25 x 1.15 = 1.15, aim = max(1.15, 0.8).
	if e := mustEntry(t, m, c, Delivery, S3); !near(e.Expected, 1.15) || !near(e.Ratio, 1.15) {
		t.Errorf("delivery: expected %v ratio %v, want 1.15 1.15", e.Expected, e.Ratio)
	}
	// Staff, S1: restore 0.25, expected 0.25 x 1.15 = 0.2875.
	if e := mustEntry(t, m, c, Staff, S1); !near(e.Expected, 0.2875) || !near(e.Ratio, 0.2875) {
		t.Errorf("staff: expected %v ratio %v, want 0.2875", e.Expected, e.Ratio)
	}
}

// Influential customers get one apology level more.
func TestInfluenceEscalates(t *testing.T) {
	m := mustModel(t, nil)
	c := Customer{ID: "x", Quadrant: value.QuadrantI, Influence: 49}
	if e := mustEntry(t, m, c, Staff, S1); e.Apology != ApologyFrontLine {
		t.Errorf("influence 49: %v, want front-line", e.Apology)
	}
	c.Influence = 50
	if e := mustEntry(t, m, c, Staff, S1); e.Apology != ApologyManager || e.Escalated {
		t.Errorf("influence 50: %v escalated %v, want manager false", e.Apology, e.Escalated)
	}
}

// Property: the restoration is always RestoreRatio x loss in full; the
// goodwill compensation above it is never negative, never exceeds Cap,
// and restoration plus goodwill never exceed LossCap x loss; Capped says
// exactly when the goodwill was cut; approval is needed exactly when the
// goodwill was capped or exceeds PreApproved, or money paid at once
// exceeds FrontLineLimit.
func TestPropertyCompensationWithinCap(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cfg := DefaultSettings()
	cfg.MaxLossMultiple = 1.1 // tighter than the paradox aim of 1.2, so both caps bind
	for _, m := range []*Model{mustModel(t, nil), mustModel(t, &cfg)} {
		for _, c := range synthCustomers(500, 5) {
			for ft := MoneyLoss; ft <= Outage; ft++ {
				for s := S1; s <= S4; s++ {
					e := mustEntry(t, m, c, ft, s)
					if e.PreApproved > e.Cap || e.PreApproved > e.FrontLineLimit || e.Ratio > e.LossCap || !(e.RestoreRatio >= 0 && e.RestoreRatio <= 1) {
						t.Fatalf("%s %v %v: %+v", c.ID, ft, s, e)
					}
					money := e.Remedy == RemedyMoney || e.Remedy == RemedyAttention
					for _, loss := range []float64{0, rng.Float64(), rng.Float64() * 100, rng.ExpFloat64() * 5000, 1e12, math.MaxFloat64} {
						r, err := e.Resolve(loss)
						if err != nil {
							t.Fatal(err)
						}
						want := max(e.Ratio-e.RestoreRatio, 0) * loss
						paid := r.Compensation
						if money {
							paid += r.Restore
						}
						if r.Restore != e.RestoreRatio*loss || r.Total != r.Restore+r.Compensation ||
							r.Compensation < 0 || r.Compensation > e.Cap || r.Total > e.LossCap*loss*(1+1e-12) ||
							r.Capped != (r.Compensation < want) ||
							r.NeedsApproval != (r.Capped || r.Compensation > e.PreApproved || paid > e.FrontLineLimit) {
							t.Fatalf("%s %v %v loss %v: %+v breaks restore %v x loss / cap %v / %v x loss / pre %v / front line %v",
								c.ID, ft, s, loss, r, e.RestoreRatio, e.Cap, e.LossCap, e.PreApproved, e.FrontLineLimit)
						}
					}
				}
			}
		}
	}
}

// Policy: restoring the loss in the failure's remedy kind is never cut by
// the compensation caps, which limit only the goodwill above it (Smith,
// Bolton & Wagner 1999: match the remedy to the failure). Expected numbers
// by hand from DefaultSettings and the formulas in doc.go.
func TestPolicyRestoreNeverCapped(t *testing.T) {
	m := mustModel(t, nil)
	// A small-profit customer: quadrant I, gross profit 300, no failures.
	small := Customer{ID: "S", Quadrant: value.QuadrantI, Tier: 4, GrossProfit: 300}
	loyal := small
	loyal.Strength = 0.5
	tiny := small
	tiny.GrossProfit = 100
	tests := []struct {
		name          string
		c             Customer
		ft            FailureType
		s             Severity
		loss          float64
		remedy        Remedy
		ratio         float64
		restore, comp float64
		capped, appr  bool
	}{
		// Delivery S4: expected = (1 x 0.8) x 1.5 = 1.2 = aim (not paradox).
		// Goodwill cap = 1 x min(50, max(0.1 x 300, 20)) = 30; want 0.2 x 2800 = 560.
		// The 2,800 order is re-delivered in full; the goodwill is capped at 30.
		{"delivery 2800 S4", small, Delivery, S4, 2800, RemedyReperformance, 1.2, 2800, 30, true, true},
		// Delivery S3, strength 0.5: expected = 0.8 x 1.25 x (1 - 0.2 x 0.5) = 0.9
		// = aim, below 1: still a full re-delivery, no goodwill, no approval.
		{"delivery 2800 S3 loyal", loyal, Delivery, S3, 2800, RemedyReperformance, 0.9, 2800, 0, false, false},
		// Defect S2, first failure: expected 1.1, aim 1.1 x 1.2 = 1.32 (paradox).
		// Cap = 0.5 x min(50, max(10, 20)) = 10; want 0.32 x 60 = 19.2.
		{"defect 60 S2", tiny, Defect, S2, 60, RemedyReplacement, 1.32, 60, 10, true, true},
	}
	for _, tc := range tests {
		e := mustEntry(t, m, tc.c, tc.ft, tc.s)
		if e.Remedy != tc.remedy || !near(e.Ratio, tc.ratio) || e.RestoreRatio != 1 {
			t.Errorf("%s: remedy %v ratio %v restore ratio %v, want %v %v 1", tc.name, e.Remedy, e.Ratio, e.RestoreRatio, tc.remedy, tc.ratio)
		}
		r, err := e.Resolve(tc.loss)
		if err != nil {
			t.Fatal(err)
		}
		if r.Restore != tc.restore || !near(r.Compensation, tc.comp) || !near(r.Total, tc.restore+tc.comp) || r.Capped != tc.capped || r.NeedsApproval != tc.appr {
			t.Errorf("%s: %+v, want restore %v compensation %v capped %v approval %v", tc.name, r, tc.restore, tc.comp, tc.capped, tc.appr)
		}
	}
}

// Policy: the front line grants restoration in kind at once whatever its
// value, but a money refund plus goodwill only up to FrontLineLimit, and
// goodwill only up to PreApproved.
func TestPolicyApproval(t *testing.T) {
	m := mustModel(t, nil)
	// Quadrant II, gross profit 8000, first failure, S1 (paradox: aim 1.2).
	// Cap = 0.25 x min(250, max(800, 20)) = 62.5; PreApproved = min(62.5, 50) = 50;
	// FrontLineLimit = 50.
	c := Customer{ID: "A", Quadrant: value.QuadrantII, Tier: 3, GrossProfit: 8000}
	tests := []struct {
		name   string
		ft     FailureType
		loss   float64
		approv bool
	}{
		{"refund 30", MoneyLoss, 30, false},               // 30 + 6 = 36 <= 50
		{"refund 80", MoneyLoss, 80, true},                // 80 + 16 = 96 > 50
		{"replacement 80", Defect, 80, false},             // in kind; goodwill 16 <= 50
		{"replacement 10000", Defect, 10000, true},        // goodwill 2000 capped at 62.5
		{"replacement 300", Defect, 300, true},            // goodwill 60 > 50, not capped
		{"re-performance 200", FailedService, 200, false}, // in kind; goodwill 40 <= 50
		{"service credit 41", Outage, 41, false},          // 41 + 8.2 = 49.2 <= 50
		{"service credit 42", Outage, 42, true},           // 42 + 8.4 = 50.4 > 50
	}
	for _, tc := range tests {
		e := mustEntry(t, m, c, tc.ft, S1)
		if !near(e.PreApproved, 50) || e.FrontLineLimit != 50 {
			t.Fatalf("%s: pre %v front line %v, want 50 50", tc.name, e.PreApproved, e.FrontLineLimit)
		}
		r, err := e.Resolve(tc.loss)
		if err != nil {
			t.Fatal(err)
		}
		if r.Restore != tc.loss || r.NeedsApproval != tc.approv {
			t.Errorf("%s: %+v, want restore %v approval %v", tc.name, r, tc.loss, tc.approv)
		}
	}
}

func TestResolveBadLoss(t *testing.T) {
	m := mustModel(t, nil)
	e := mustEntry(t, m, keyAccount, Delivery, S3)
	for _, loss := range []float64{-1, -math.SmallestNonzeroFloat64, math.NaN(), math.Inf(1), math.Inf(-1)} {
		if _, err := e.Resolve(loss); !errors.Is(err, ErrBadLoss) {
			t.Errorf("Resolve(%v): err %v, want ErrBadLoss", loss, err)
		}
	}
}

func TestCustomerValidation(t *testing.T) {
	m := mustModel(t, nil)
	good := Customer{ID: "g", Quadrant: value.QuadrantII}
	tests := []struct {
		name  string
		mod   func(*Customer)
		field string
		err   error
	}{
		{"empty id", func(c *Customer) { c.ID = "" }, "id", ErrEmptyID},
		{"quadrant 0", func(c *Customer) { c.Quadrant = 0 }, "quadrant", ErrBadValue},
		{"quadrant 5", func(c *Customer) { c.Quadrant = 5 }, "quadrant", ErrBadValue},
		{"stage 6", func(c *Customer) { c.Stage = 6 }, "stage", ErrBadValue},
		{"strength NaN", func(c *Customer) { c.Strength = math.NaN() }, "strength", ErrBadValue},
		{"strength -0.1", func(c *Customer) { c.Strength = -0.1 }, "strength", ErrBadValue},
		{"strength 1.1", func(c *Customer) { c.Strength = 1.1 }, "strength", ErrBadValue},
		{"failures -1", func(c *Customer) { c.Failures12m = -1 }, "failures_12m", ErrBadValue},
		{"influence NaN", func(c *Customer) { c.Influence = math.NaN() }, "influence", ErrBadValue},
		{"influence -1", func(c *Customer) { c.Influence = -1 }, "influence", ErrBadValue},
		{"influence Inf", func(c *Customer) { c.Influence = math.Inf(1) }, "influence", ErrBadValue},
		{"profit NaN", func(c *Customer) { c.GrossProfit = math.NaN() }, "gross_profit", ErrBadValue},
		{"profit -Inf", func(c *Customer) { c.GrossProfit = math.Inf(-1) }, "gross_profit", ErrBadValue},
	}
	for _, tc := range tests {
		c := good
		tc.mod(&c)
		_, err := m.Playbook(c, Staff, S1)
		var ce *CustomerError
		if !errors.As(err, &ce) || ce.Field != tc.field || !errors.Is(err, tc.err) {
			t.Errorf("%s: Playbook err %v, want field %s %v", tc.name, err, tc.field, tc.err)
		}
		_, err = m.Build(context.Background(), []Customer{good, c}, nil)
		if !errors.As(err, &ce) || ce.Field != tc.field || ce.Index != 1 || !errors.Is(err, tc.err) {
			t.Errorf("%s: Build err %v, want index 1 field %s %v", tc.name, err, tc.field, tc.err)
		}
	}
	_, err := m.Build(context.Background(), []Customer{good, {ID: "h", Quadrant: 1}, good}, nil)
	var ce *CustomerError
	if !errors.As(err, &ce) || !errors.Is(err, ErrDuplicate) || ce.Index != 2 || ce.Customer != "g" {
		t.Errorf("duplicate: err %v", err)
	}
	if _, err := m.Playbook(good, 0, S1); !errors.Is(err, ErrUnknownFailure) {
		t.Errorf("failure 0: %v", err)
	}
	if _, err := m.Playbook(good, Staff, 5); !errors.Is(err, ErrUnknownSeverity) {
		t.Errorf("severity 5: %v", err)
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want FailureType
	}{{"billing", MoneyLoss}, {"Money", MoneyLoss}, {"defect", Defect}, {" delivery ", Delivery}, {"late", Delivery},
		{"service", FailedService}, {"staff", Staff}, {"neglect", Staff}, {"OUTAGE", Outage}} {
		got, err := ParseFailureType(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseFailureType(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "fire", "deliveryy", "0"} {
		if _, err := ParseFailureType(in); !errors.Is(err, ErrUnknownFailure) {
			t.Errorf("ParseFailureType(%q): err %v", in, err)
		}
	}
	for in, want := range map[string]Severity{"S1": S1, "s2": S2, "3": S3, " S4 ": S4} {
		if got, err := ParseSeverity(in); err != nil || got != want {
			t.Errorf("ParseSeverity(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "S0", "S5", "SS1", "S", "4S", "S10"} {
		if _, err := ParseSeverity(in); !errors.Is(err, ErrUnknownSeverity) {
			t.Errorf("ParseSeverity(%q): err %v", in, err)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	tests := []struct {
		param string
		mod   func(*Settings)
	}{
		{"Remedy[0]", func(c *Settings) { c.Remedy[0] = 9 }},
		{"Fault[2]", func(c *Settings) { c.Fault[2] = 1.5 }},
		{"Restore[1]", func(c *Settings) { c.Restore[1] = math.NaN() }},
		{"SeverityExpectation[0]", func(c *Settings) { c.SeverityExpectation[0] = -1 }},
		{"SeverityExpectation[1]", func(c *Settings) { c.SeverityExpectation[1] = Off }}, // must be > 0
		{"RecurrenceCap", func(c *Settings) { c.RecurrenceCap = -1 }},
		{"RecurrenceCap", func(c *Settings) { c.RecurrenceCap = 1001 }},
		{"LoyaltyBuffer", func(c *Settings) { c.LoyaltyBuffer = 1 }},
		{"RepurchaseMinor[3]", func(c *Settings) { c.RepurchaseMinor[3] = 1 }},
		{"RepurchaseMajor[0]", func(c *Settings) { c.RepurchaseMajor[0] = -0.5 }},
		{"MajorWeight[1]", func(c *Settings) { c.MajorWeight[1] = -0.1 }},
		{"StageLogit[3]", func(c *Settings) { c.StageLogit[3] = math.Inf(-1) }},
		{"ParadoxMaxSeverity", func(c *Settings) { c.ParadoxMaxSeverity = 5 }},
		{"MaxLossMultiple", func(c *Settings) { c.MaxLossMultiple = Off }},
		{"MaxLossMultiple", func(c *Settings) { c.MaxLossMultiple = 0.99 }}, // would cut restoration
		{"QuadrantCap[3]", func(c *Settings) { c.QuadrantCap[3] = -1 }},
		{"KeySeverity[0]", func(c *Settings) { c.KeySeverity[0] = 9 }},
		{"ApologyBySeverity[2]", func(c *Settings) { c.ApologyBySeverity[2] = 4 }},
		{"OwnerByApology[1]", func(c *Settings) { c.OwnerByApology[1] = 7 }},
		{"AcknowledgeHours[0]", func(c *Settings) { c.AcknowledgeHours[0] = -1 }},
		{"ResolveHours[3]", func(c *Settings) { c.ResolveHours[3] = 2000 }},
		{"TierSpeed", func(c *Settings) { c.TierSpeed = make([]float64, 256) }},
		{"TierSpeed[1]", func(c *Settings) { c.TierSpeed[1] = 0 }},
		{"FollowUpDays[1][1]", func(c *Settings) { c.FollowUpDays[1] = [MaxFollowUps]int{30, 3} }},
		{"FollowUpDays[0][2]", func(c *Settings) { c.FollowUpDays[0] = [MaxFollowUps]int{7, 0, 9} }},
		{"FollowUpDays[2][0]", func(c *Settings) { c.FollowUpDays[2] = [MaxFollowUps]int{70000} }},
		{"FollowUpDays[3]", func(c *Settings) { c.FollowUpDays[3] = [MaxFollowUps]int{Off, 7} }},
		{"InfluenceEscalation", func(c *Settings) { c.InfluenceEscalation = math.Inf(1) }},
		{"InfluenceEscalation", func(c *Settings) { c.InfluenceEscalation = -1 }},
		{"LoyaltyBuffer", func(c *Settings) { c.LoyaltyBuffer = -1 }}, // only Off asks for 0
		{"ParadoxMaxSeverity", func(c *Settings) { c.ParadoxMaxSeverity = -1 }},
		{"KeyAccount[0]", func(c *Settings) { c.KeyAccount = []value.Quadrant{5} }},
		{"GrudgeFollowUpDays", func(c *Settings) { c.GrudgeFollowUpDays = 70000 }},
		{"StrengthLogitWith", func(c *Settings) { c.StrengthLogitWith = 51 }},
	}
	for _, tc := range tests {
		c := DefaultSettings()
		tc.mod(&c)
		_, err := New(&c)
		var ce *SettingsError
		if !errors.As(err, &ce) || ce.Param != tc.param || !errors.Is(err, ErrBadValue) || !strings.Contains(err.Error(), tc.param) {
			t.Errorf("%s: err %v", tc.param, err)
		}
	}
	// New keeps a copy: changing the caller's config afterwards changes nothing.
	c := DefaultSettings()
	m := mustModel(t, &c)
	c.TierSpeed[0] = 1
	if got := m.Settings().TierSpeed[0]; got != 0.25 {
		t.Errorf("model config changed with the caller's: %v", got)
	}
}

// Playbook and Build do not modify their inputs.
func TestNoMutation(t *testing.T) {
	m := mustModel(t, nil)
	cs := synthCustomers(3000, 9)
	cp := append([]Customer(nil), cs...)
	if _, err := m.Build(context.Background(), cs, nil); err != nil {
		t.Fatal(err)
	}
	for i := range cs {
		if cs[i] != cp[i] {
			t.Fatalf("customer %d modified", i)
		}
	}
}

// Extreme but valid coefficients give churn in [0, 1], never NaN.
func TestChurnExtremes(t *testing.T) {
	cfg := DefaultSettings()
	cfg.FailureLogit, cfg.RecurrenceCap, cfg.UnsatisfiedLogit = 50, 1000, 50
	m := mustModel(t, &cfg)
	for _, c := range []Customer{
		{ID: "hi", Quadrant: 1, Stage: lifecycle.Ended, Failures12m: 1_000_000, Strength: 1},
		{ID: "lo", Quadrant: 1, Stage: lifecycle.Stability, Strength: 1},
	} {
		for s := S1; s <= S4; s++ {
			e := mustEntry(t, m, c, Outage, s)
			for _, p := range []float64{e.ChurnWith, e.ChurnWithout} {
				if !(p >= 0 && p <= 1) {
					t.Errorf("%s %v: churn %v", c.ID, s, p)
				}
			}
		}
	}
	cfg.FailureLogit = -50
	m = mustModel(t, &cfg)
	e := mustEntry(t, m, Customer{ID: "neg", Quadrant: 1, Failures12m: 1000, LastRecoveryOK: true}, Outage, S4)
	if !(e.ChurnWith >= 0 && e.ChurnWith < 1e-6) {
		t.Errorf("churn with very negative shift: %v", e.ChurnWith)
	}
}

// TestSettingsDefaults: one rule for defaults (issue 14): nil, the zero
// Settings and a file with no field all give the default model, and a zero
// field of a partial Settings takes its default (before, New used a
// non-nil Settings as it was, zeros included, while decoding kept the
// defaults for missing fields).
func TestSettingsDefaults(t *testing.T) {
	def := mustModel(t, nil)
	var fromFile Settings
	check.NoErr(t, json.Unmarshal([]byte(`{"format":"cvm.recovery.settings","version":1}`), &fromFile))
	c := Customer{ID: "x", Quadrant: value.QuadrantIII, Tier: 2, Stage: lifecycle.Decline, Strength: 0.4, Failures12m: 2, GrossProfit: 900, Influence: 60}
	defs := DefaultSettings()
	for name, s := range map[string]*Settings{"zero": {}, "file": &fromFile, "defaults": &defs} {
		m := mustModel(t, s)
		if !reflect.DeepEqual(m.Settings(), def.Settings()) {
			t.Errorf("%s: settings differ from the defaults", name)
		}
		for ft := MoneyLoss; ft <= Outage; ft++ {
			for sv := S1; sv <= S4; sv++ {
				if mustEntry(t, m, c, ft, sv) != mustEntry(t, def, c, ft, sv) {
					t.Fatalf("%s: %v %v entry differs from the default model's", name, ft, sv)
				}
			}
		}
	}
	// One field set: the others keep their defaults.
	got := mustModel(t, &Settings{ProfitFloor: 30, TierSpeed: []float64{0.5}}).Settings()
	want := DefaultSettings()
	want.ProfitFloor, want.TierSpeed = 30, []float64{0.5}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("partial settings:\n got %+v\nwant %+v", got, want)
	}
}

// TestSettingsOff: Off asks for zero where zero means something. Expected
// values by hand from the formulas in doc.go.
func TestSettingsOff(t *testing.T) {
	// A quadrant IV customer, strength 0.5, no failures, in formation
	// (stage shift 0), delivery failure S3.
	c := Customer{ID: "k", Quadrant: value.QuadrantIV, Tier: 1, Stage: lifecycle.Formation, Strength: 0.5, GrossProfit: 1e6}
	// Default: expected = Restore 1 x Fault 0.8 x 1.25 x (1 - 0.2 x 0.5) = 0.9.
	if e := mustEntry(t, mustModel(t, nil), c, Delivery, S3); !near(e.Expected, 0.9) {
		t.Errorf("default expected %v, want 0.9", e.Expected)
	}
	// LoyaltyBuffer Off: 1 x 0.8 x 1.25 x 1 = 1.0.
	if e := mustEntry(t, mustModel(t, &Settings{LoyaltyBuffer: Off}), c, Delivery, S3); !near(e.Expected, 1) {
		t.Errorf("no loyalty buffer: expected %v, want 1", e.Expected)
	}
	// Fault[2] Off: restore = Restore x Fault = 0, so expected = 0 and the
	// aim max(0, 0) = 0.
	if e := mustEntry(t, mustModel(t, &Settings{Fault: [NumFailureTypes]float64{2: Off}}), c, Delivery, S3); e.Expected != 0 || e.Ratio != 0 {
		t.Errorf("no fault: expected %v ratio %v, want 0, 0", e.Expected, e.Ratio)
	}
	// ParadoxMaxSeverity Off: a first S1 failure is not eligible.
	if e := mustEntry(t, mustModel(t, &Settings{ParadoxMaxSeverity: Off}), c, Delivery, S1); e.Paradox {
		t.Error("paradox with ParadoxMaxSeverity Off")
	}
	// KeyAccount empty: IV's manager-level cases go to the service
	// manager, not the account manager. S3 starts at a manager apology;
	// KeySeverity[3] Off keeps it there (by default IV goes up a level
	// from S3).
	noKey := &Settings{KeyAccount: []value.Quadrant{}, KeySeverity: [4]int{3: Off}}
	if e := mustEntry(t, mustModel(t, noKey), c, Delivery, S3); e.Apology != ApologyManager || e.Owner != OwnerServiceManager {
		t.Errorf("no key accounts: %v, %v; want manager, service-manager", e.Apology, e.Owner)
	}
	if e := mustEntry(t, mustModel(t, &Settings{KeySeverity: [4]int{3: Off}}), c, Delivery, S3); e.Owner != OwnerAccountManager {
		t.Errorf("default key accounts: owner %v, want account-manager", e.Owner)
	}
	// No follow-up at S1, and no grudge checkpoint.
	g := Customer{ID: "g", Quadrant: value.QuadrantI, Failures12m: 1}
	m := mustModel(t, &Settings{FollowUpDays: [NumSeverities][MaxFollowUps]int{{Off}}, GrudgeFollowUpDays: Off})
	if e := mustEntry(t, m, g, Staff, S1); e.FollowUp != [MaxFollowUps]uint16{} {
		t.Errorf("follow-up %v, want none", e.FollowUp)
	}
	if e := mustEntry(t, m, g, Staff, S2); e.FollowUp != [MaxFollowUps]uint16{3, 30} {
		t.Errorf("S2 follow-up %v, want the default [3 30] without the grudge day", e.FollowUp)
	}
	// Off survives Settings() and JSON, so the model is rebuilt the same.
	s := m.Settings()
	var back Settings
	check.NoErr(t, json.Unmarshal(check.Must(json.Marshal(s)), &back))
	if !reflect.DeepEqual(mustModel(t, &back).Settings(), s) || back.GrudgeFollowUpDays != Off {
		t.Error("Off lost in the round trip")
	}
}
