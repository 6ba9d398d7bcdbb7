package synth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"math"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
)

func csvHash(t *testing.T, c Config) [32]byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteCSV(&buf, c); err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(buf.Bytes())
}

// The same seed gives the same bytes whatever GOMAXPROCS; the reference is
// a plain loop over NewCustomer in index order.
func TestWriteCSVDeterministic(t *testing.T) {
	c := Config{Customers: 2500, Seed: 42, Seasonality: 0.3} // more than one batch of 2048
	var ref bytes.Buffer
	ref.WriteString("customer,time,amount,order\n")
	for i := range c.Customers {
		for _, tx := range NewCustomer(c, i).Transactions() {
			ref.WriteString(tx.Customer + "," + tx.Time.UTC().Format(TimeLayout) + "," +
				fmtCents(tx.Amount) + "," + tx.Order + "\n")
		}
	}
	want := sha256.Sum256(ref.Bytes())
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 4} {
		runtime.GOMAXPROCS(procs)
		if got := csvHash(t, c); got != want {
			t.Fatalf("GOMAXPROCS %d: sha256 %x, want %x", procs, got, want)
		}
	}
	c.Seed++
	if csvHash(t, c) == want {
		t.Error("a different seed gave the same bytes")
	}
}

// fmtCents formats x with two decimals without strconv, as an independent
// reference for WriteCSV's amounts.
func fmtCents(x float64) string {
	neg := x < 0
	c := int64(math.Round(math.Abs(x) * 100))
	s := itoa(c/100) + "." + string([]byte{byte('0' + c%100/10), byte('0' + c%10)})
	if neg && c != 0 {
		s = "-" + s
	}
	return s
}

func itoa(i int64) string {
	if i < 10 {
		return string([]byte{byte('0' + i)})
	}
	return itoa(i/10) + itoa(i%10)
}

// Hand-checked property: the CSV has one row per order line plus one per
// return, and reading it back with the default cvm reader gives each
// customer's order lines minus returns.
func TestWriteCSVRowsAndTotals(t *testing.T) {
	c := Config{Customers: 800, Seed: 3}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, c); err != nil {
		t.Fatal(err)
	}
	wantRows := 0
	wantTotal := map[string]float64{}
	for cu := range Customers(c) {
		for _, o := range cu.Orders {
			wantRows += len(o.Lines)
			for _, l := range o.Lines {
				wantTotal[cu.ID] += l
			}
			if o.Return > 0 {
				wantRows++
				wantTotal[cu.ID] -= o.Return
			}
		}
	}
	if got := bytes.Count(buf.Bytes(), []byte("\n")) - 1; got != wantRows {
		t.Fatalf("%d rows, want %d", got, wantRows)
	}
	rd, err := cvm.NewReader(&buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	sums, err := rd.Summarize(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != c.Customers {
		t.Fatalf("%d customers, want %d", len(sums), c.Customers)
	}
	for _, s := range sums {
		if math.Abs(s.Total-wantTotal[s.Customer]) > 1e-6 {
			t.Errorf("%s: total %v, want %v", s.Customer, s.Total, wantTotal[s.Customer])
		}
	}
}

func TestCustomerInvariants(t *testing.T) {
	c := Config{Customers: 2000, Seed: 9, Seasonality: 0.5}.withDefaults()
	for cu := range Customers(c) {
		if len(cu.Orders) == 0 {
			t.Fatalf("%s: no first purchase", cu.ID)
		}
		if !cu.Orders[0].Time.Equal(cu.Start) || cu.Start.Before(c.Start) || cu.Start.After(c.Start.AddDate(0, 0, c.AcquisitionDays)) {
			t.Fatalf("%s: start %v outside the acquisition window", cu.ID, cu.Start)
		}
		for k, o := range cu.Orders {
			if o.Time.After(c.End) || k > 0 && o.Time.Before(cu.Orders[k-1].Time) {
				t.Fatalf("%s: order %d at %v out of order or after End", cu.ID, k, o.Time)
			}
			sum := 0.0
			for _, l := range o.Lines {
				if l <= 0 {
					t.Fatalf("%s: non-positive line %v", cu.ID, l)
				}
				sum += l
			}
			if o.Return < 0 || o.Return > sum+0.005 || o.Return > 0 && (o.RetAt.After(c.End) || !o.RetAt.After(o.Time)) {
				t.Fatalf("%s: bad return %+v", cu.ID, o)
			}
		}
		if !cu.Died.IsZero() && !cu.Died.Equal(cu.Orders[len(cu.Orders)-1].Time) {
			t.Fatalf("%s: died %v, not at the last purchase", cu.ID, cu.Died)
		}
		txs := cu.Transactions()
		if !slices.IsSortedFunc(txs, func(a, b cvm.Transaction) int { return a.Time.Compare(b.Time) }) {
			t.Fatalf("%s: transactions not in time order", cu.ID)
		}
	}
}

// The latent parameters follow their distributions: E[lambda] = R/Alpha =
// 1.2/8 = 0.15 and E[p] = A/(A+B) = 0.9/7.9 = 0.1139 for the defaults
// (the means of Gamma(shape, rate) and Beta(a, b)). With 10000 customers
// the standard errors are about 0.0014 and 0.0011 (sd 0.137 and 0.107), so
// the 5% tolerance is more than 5 standard errors.
func TestLatentMeans(t *testing.T) {
	var lam, p float64
	const n = 10000
	for cu := range Customers(Config{Customers: n, Seed: 11}) {
		lam += cu.Lambda
		p += cu.Dropout
	}
	lam /= n
	p /= n
	if math.Abs(lam-0.15) > 0.05*0.15 || math.Abs(p-0.9/7.9) > 0.05*0.9/7.9 {
		t.Errorf("mean lambda %v (want 0.15), mean dropout %v (want %v)", lam, p, 0.9/7.9)
	}
}

func TestCustomerID(t *testing.T) {
	for _, tt := range []struct {
		i, n int
		want string
	}{{42, 1000, "C0042"}, {0, 1, "C0000"}, {12345, 1000000, "C012345"}, {99999, 100000, "C99999"}} {
		if got := CustomerID(tt.i, tt.n); got != tt.want {
			t.Errorf("CustomerID(%d, %d) = %q, want %q", tt.i, tt.n, got, tt.want)
		}
	}
	if cu := NewCustomer(Config{Customers: 10, Start: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}, 3); cu.ID != "C0003" || cu.Start.Year() != 2020 {
		t.Errorf("NewCustomer: %s starting %v", cu.ID, cu.Start)
	}
}

// TestStory checks the two dropout stories: under MBG/NBD (the default) the
// share of customers who drop out right after the first purchase is about
// E[p] = A/(A+B) = 0.9/7.9 = 0.114; under BG/NBD it is zero.
func TestStory(t *testing.T) {
	for _, bg := range []bool{false, true} {
		cfg := Config{Customers: 20000, Seed: 3, BGNBD: bg}
		first := 0
		for cu := range Customers(cfg) {
			if !cu.Died.IsZero() && cu.Died.Equal(cu.Start) {
				first++
			}
		}
		share := float64(first) / float64(cfg.Customers)
		want := 0.9 / 7.9
		if bg {
			want = 0
		}
		if math.Abs(share-want) > 0.01 {
			t.Errorf("BGNBD=%v: share dropping out at the first purchase %.4f, want %.4f", bg, share, want)
		}
	}
}
