package contact

import (
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/lifecycle"
)

// oneCustomer is a forecast customer in stability whom the overdue rule
// alone can fire for.
func oneCustomer() Customer {
	return Customer{ID: "x1", Stage: lifecycle.Stability, Forecast: true, PAlive: 0.8, ExpectedPurchases: 4, ExpectedSpend: 50, CLV: 150,
		First: asOf.AddDate(-1, 0, 0), Last: asOf.AddDate(0, -6, 0), Occasions: 3}
}

func overdueRules() *RuleSet {
	return &RuleSet{Rules: []Rule{{Name: "remind", Trigger: Trigger{Kind: Overdue},
		Action: Action{Message: "m", Value: Spend, Response: 0.5, Priority: 1, Control: Off}}}}
}

// Bad customer figures are errors naming the customer and the field, never
// a panic or a silent result; figures of a customer without a forecast are
// not read and so are not errors.
func TestDecideBadCustomer(t *testing.T) {
	tests := []struct {
		name string
		edit func(c *Customer)
		want string // "" for no error
	}{
		{"stated channel out of range", func(c *Customer) { c.Channel = Channel(99) }, "channel"},
		{"stated channel just past the last", func(c *Customer) { c.Channel = numChannels }, "channel"},
		{"p_alive NaN", func(c *Customer) { c.PAlive = math.NaN() }, "p_alive"},
		{"p_alive above 1", func(c *Customer) { c.PAlive = 1.5 }, "p_alive"},
		{"p_alive negative", func(c *Customer) { c.PAlive = -0.1 }, "p_alive"},
		{"clv +Inf", func(c *Customer) { c.CLV = math.Inf(1) }, "clv"},
		{"clv -Inf", func(c *Customer) { c.CLV = math.Inf(-1) }, "clv"},
		{"expected spend +Inf", func(c *Customer) { c.ExpectedSpend = math.Inf(1) }, "expected_spend"},
		{"expected spend negative", func(c *Customer) { c.ExpectedSpend = -1 }, "expected_spend"},
		{"expected purchases NaN", func(c *Customer) { c.ExpectedPurchases = math.NaN() }, "expected_purchases"},
		{"expected purchases +Inf", func(c *Customer) { c.ExpectedPurchases = math.Inf(1) }, "expected_purchases"},
		{"no forecast, NaN figures not read", func(c *Customer) {
			c.Forecast, c.PAlive, c.CLV, c.ExpectedSpend, c.ExpectedPurchases = false, math.NaN(), math.NaN(), math.NaN(), math.NaN()
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := oneCustomer()
			tt.edit(&c)
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic: %v", r)
					}
				}()
				_, err = Decide(context.Background(), []Customer{c}, nil, overdueRules(), asOf, nil)
			}()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("error %v, want none", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), `"x1"`) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one naming customer \"x1\" and %q", err, tt.want)
			}
		})
	}
}

// A rhythm of billions of days (a one-time buyer the purchase model
// expects to buy 1e-7 times a year) is not overdue ten days after the
// purchase, and a rhythm send time is after the as-of, not the as-of: the
// days are never converted to a time.Duration that overflows.
func TestLongInterval(t *testing.T) {
	c := oneCustomer()
	c.Occasions, c.First, c.Last = 1, asOf.AddDate(0, 0, -10), asOf.AddDate(0, 0, -10)
	c.ExpectedPurchases = 1e-7 // interval 364e7 days
	p, err := Decide(context.Background(), []Customer{c}, nil, overdueRules(), asOf, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Decisions) != 0 {
		t.Fatalf("overdue fired for an interval of %v days, 10 days after the purchase: %+v", c.Interval(), p.Decisions[0])
	}
	// Fired 400 days after a purchase with an interval of 100 days, a
	// rhythm rule sends at the expected next purchase, or the as-of.
	c.ExpectedPurchases = 3.64 // interval 100 days
	c.Last = asOf.AddDate(0, 0, -400)
	rs := overdueRules()
	p = check.Must(Decide(context.Background(), []Customer{c}, nil, rs, asOf, nil))
	if len(p.Decisions) != 1 {
		t.Fatalf("overdue did not fire 400 days after, interval 100: %+v", p.Stats)
	}
	// Rhythm timing with a huge interval: never the as-of (the expected
	// purchase is centuries away), never before it.
	rs.Rules[0].Trigger = Trigger{Kind: AliveBelow, Level: 1}
	rs.Rules[0].Action.Timing = Timing{Kind: Rhythm}
	c.ExpectedPurchases = 1e-7
	c.Last = asOf.AddDate(0, 0, -10)
	p = check.Must(Decide(context.Background(), []Customer{c}, nil, rs, asOf, nil))
	if len(p.Decisions) != 1 || !p.Decisions[0].SendAt.After(asOf.AddDate(200, 0, 0)) {
		t.Fatalf("rhythm send time for an interval of 364e7 days: %+v", p.Decisions)
	}
}

type planKey struct {
	customer, rule string
	control        bool
	channel        Channel
	sendAt         time.Time
	net, cost      float64
}

// planSet is a plan's decisions without their place: what each customer
// gets.
func planSet(p *Plan) map[planKey]int {
	m := map[planKey]int{}
	for _, d := range p.Decisions {
		m[planKey{d.Customer, d.RuleName, d.Control, d.Channel, d.SendAt, d.Net, d.Cost}]++
	}
	return m
}

// The same customers in another order, on one or two workers, get the
// same decisions, with a budget that leaves out some of many contacts of
// equal value density (ties broken by customer, not by place). The costs
// are binary fractions, so that every order of summing them is exact.
func TestDecideOrderAndWorkers(t *testing.T) {
	cs := genCustomers(12000, 11)
	// 3000 customers identical but for the ID: equal densities.
	for i := 0; i < 3000; i++ {
		c := oneCustomer()
		c.ID = fmt.Sprintf("tie%05d", i)
		cs = append(cs, c)
	}
	costs := [NumChannels]float64{0, 0.25, 0.5, 1, 2, 4}
	for _, rs := range []*RuleSet{overdueRules(), nil} {
		for _, budget := range []float64{0, 3, 40, 400} {
			s := &Settings{Budget: budget, Seed: 9, Costs: costs}
			prev := runtime.GOMAXPROCS(1)
			want := planSet(mustDecide(t, cs, nil, rs, s))
			runtime.GOMAXPROCS(2)
			rng := rand.New(rand.NewPCG(uint64(budget), 1))
			sh := slices.Clone(cs)
			rng.Shuffle(len(sh), func(i, j int) { sh[i], sh[j] = sh[j], sh[i] })
			got := mustDecide(t, sh, nil, rs, s)
			runtime.GOMAXPROCS(prev)
			if g := planSet(got); !reflect.DeepEqual(g, want) {
				t.Errorf("rules %v, budget %v: %d decisions shuffled on 2 workers differ from %d in order on 1", rs != nil, budget, len(g), len(want))
			}
		}
	}
}

// allocate breaks ties of density and value by customer ID: among equal
// contacts the budget takes the customers with the smallest IDs, whatever
// their order (a plain reference: sort the IDs).
func TestAllocateTiesByCustomer(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, n := range []int{ExactItems + 4, 200} {
		items := make([]Decision, n)
		for i := range items {
			items[i] = Decision{Customer: fmt.Sprintf("c%04d", i), Index: i, Net: 3, Cost: 1}
		}
		rng.Shuffle(n, func(i, j int) { items[i], items[j] = items[j], items[i] })
		for i := range items {
			items[i].Index = i
		}
		keep, _ := allocate(items, 7)
		var got []string
		for _, k := range keep {
			got = append(got, items[k].Customer)
		}
		slices.Sort(got)
		var want []string
		for i := 0; i < 7; i++ {
			want = append(want, fmt.Sprintf("c%04d", i))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%d items: kept %v, want %v", n, got, want)
		}
	}
	// The best single contact among equals: the smallest ID.
	items := []Decision{{Customer: "b", Net: 2, Cost: 1}, {Customer: "z", Net: 10, Cost: 10}, {Customer: "a", Net: 10, Cost: 10}}
	for i := 0; i < ExactItems; i++ {
		items = append(items, Decision{Customer: fmt.Sprintf("f%02d", i), Net: 0.01, Cost: 9.5})
	}
	keep, a := allocate(items, 10)
	if len(keep) != 1 || items[keep[0]].Customer != "a" || a.Method != MethodSingle {
		t.Errorf("single: kept %v by %s, want customer a by single", keep, a.Method)
	}
}

// Every bad setting is an error naming the setting; days that would
// overflow a time.Duration (and wrap negative, turning a window or a quiet
// period off) are errors too.
func TestSettingsErrors(t *testing.T) {
	cs := []Customer{oneCustomer()}
	tests := []struct {
		s    Settings
		want string
	}{
		{Settings{MaxPerCustomer: -1}, "MaxPerCustomer"},
		{Settings{MaxPerWindow: -1}, "MaxPerWindow"},
		{Settings{Window: -1}, "Window"},
		{Settings{Window: math.MaxInt32}, "Window"},
		{Settings{QuietAfterContact: -2}, "QuietAfterContact"},
		{Settings{QuietAfterContact: math.MaxInt32}, "QuietAfterContact"},
		{Settings{QuietAfterComplaint: -5}, "QuietAfterComplaint"},
		{Settings{QuietAfterComplaint: math.MaxInt32}, "QuietAfterComplaint"},
		{Settings{Budget: math.Inf(1)}, "Budget"},
		{Settings{Control: 1.5}, "Control"},
		{Settings{Control: math.NaN()}, "Control"},
		{Settings{Costs: [NumChannels]float64{0, -1}}, "Costs"},
		{Settings{Hours: Hours{9, 25}}, "Hours"},
	}
	for _, tt := range tests {
		_, err := Decide(context.Background(), cs, nil, nil, asOf, &tt.s)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: error %v, want one naming %s", tt.s, err, tt.want)
		}
	}
	// The longest allowed days are fine.
	check.Must(Decide(context.Background(), cs, nil, nil, asOf, &Settings{Window: 3660, QuietAfterContact: 3660, QuietAfterComplaint: 3660}))
}

// refHash is hashID written from its definition: FNV-1a (hash/fnv) of
// rule, a 0xff byte and the ID, then the splitmix64 finaliser (Steele, Lea
// & Flood 2014); with seed 0 the offset basis is FNV's own.
func refHash(rule, id string) uint64 {
	f := fnv.New64a()
	f.Write([]byte(rule))
	f.Write([]byte{0xff})
	f.Write([]byte(id))
	z := f.Sum64()
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// The control group of each rule is, by a plain reference, the
// round(share x n) of its n chosen customers with the smallest hash;
// Allocation.Bound equals Chosen without a budget, and the treated are
// Value and Spent.
func TestHoldoutReference(t *testing.T) {
	cs := genCustomers(5000, 12)
	rs := DefaultRules()
	rs.Rules[0].Action.Control = 0.5
	rs.Rules[1].Action.Control = Off
	rs.Rules[2].Action.Control = 0.999
	for _, budget := range []float64{0, 50} {
		p := mustDecide(t, cs, nil, rs, &Settings{Budget: budget, Control: 0.15})
		by := map[string][]Decision{}
		for _, d := range p.Decisions {
			by[d.RuleName] = append(by[d.RuleName], d)
		}
		value, spent := 0.0, 0.0
		for i, r := range rs.Rules {
			ds := by[r.Name]
			share := 0.15 // Settings.Control
			switch i {
			case 0:
				share = 0.5
			case 1:
				share = 0 // Off
			case 2:
				share = 0.999
			}
			if budget == 0 && i < 3 && len(ds) == 0 {
				t.Fatalf("budget %v: rule %s chose no one", budget, r.Name)
			}
			n := int(math.Floor(share*float64(len(ds)) + 0.5))
			slices.SortFunc(ds, func(a, b Decision) int {
				return cmp.Compare(refHash(a.RuleName, a.Customer), refHash(b.RuleName, b.Customer))
			})
			for j, d := range ds {
				if d.Control != (j < n) {
					t.Fatalf("budget %v, rule %s: decision %d of %d by hash control %v, want %v (n %d)", budget, r.Name, j, len(ds), d.Control, j < n, n)
				}
				if !d.Control {
					value += d.Net
					spent += d.Cost
				}
			}
		}
		check.Float(t, "value", p.Allocation.Value, value, 1e-9, 1e-9)
		check.Float(t, "spent", p.Allocation.Spent, spent, 1e-9, 1e-9)
		if budget == 0 {
			check.Float(t, "bound", p.Allocation.Bound, p.Allocation.Chosen, 0, 0)
		}
	}
}

// An invalid stage is named by the list it is in.
func TestTriggerStageField(t *testing.T) {
	for _, tt := range []struct {
		tr   Trigger
		want string
	}{
		{Trigger{Kind: Transition, To: []lifecycle.Stage{99}}, "trigger.to"},
		{Trigger{Kind: Transition, To: []lifecycle.Stage{lifecycle.Decline}, From: []lifecycle.Stage{99}}, "trigger.from"},
	} {
		rs := overdueRules()
		rs.Rules[0].Trigger = tt.tr
		if err := rs.Validate(); err == nil || !strings.Contains(err.Error(), tt.want+":") {
			t.Errorf("%+v: %v, want %s", tt.tr, err, tt.want)
		}
	}
}
