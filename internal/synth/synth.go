package synth

import (
	"bufio"
	"io"
	"iter"
	"math"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/cvmkit/cvm"
)

// Config describes a synthetic customer base. The zero value of each field
// means its default, given in the field's comment.
type Config struct {
	Customers       int       // number of customers; 0 means 1000
	Seed            uint64    // seed of every random stream
	Start           time.Time // first acquisition day; zero means 2024-01-01 UTC
	AcquisitionDays int       // acquisitions spread over this many days; 0 means 180
	End             time.Time // end of observation; zero means Start + 730 days

	R, Alpha float64 // purchase rate per week ~ Gamma(R, Alpha); 0 means 1.2, 8
	A, B     float64 // dropout probability ~ Beta(A, B); 0 means 0.9, 7
	P, Q     float64 // spend shape and scale shape; 0 means 6, 4
	Gamma    float64 // spend scale rate; 0 means 150

	// Seasonality is the amplitude, in [0, 1), of a yearly cycle in the
	// purchase rate peaking on day PeakDay of the year; 0 means none.
	Seasonality float64
	PeakDay     int // day of the year of the seasonal peak; 0 means 100 (spring)

	// BGNBD follows the BG/NBD story: no dropout right after the first
	// purchase. The default (false) is the MBG/NBD story, where the first
	// purchase can be the last.
	BGNBD bool

	// ReturnRate is the probability that an order is followed by a partial
	// return; 0 means 0.04, a negative value means none.
	ReturnRate float64
}

func (c Config) withDefaults() Config {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	if c.Customers == 0 {
		c.Customers = 1000
	}
	if c.Start.IsZero() {
		c.Start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if c.AcquisitionDays == 0 {
		c.AcquisitionDays = 180
	}
	if c.End.IsZero() {
		c.End = c.Start.AddDate(0, 0, 730)
	}
	def(&c.R, 1.2)
	def(&c.Alpha, 8)
	def(&c.A, 0.9)
	def(&c.B, 7)
	def(&c.P, 6)
	def(&c.Q, 4)
	def(&c.Gamma, 150)
	if c.PeakDay == 0 {
		c.PeakDay = 100
	}
	def(&c.ReturnRate, 0.04)
	if c.ReturnRate < 0 {
		c.ReturnRate = 0
	}
	return c
}

// Customer is one synthetic customer with its latent parameters, so tests
// can compare what a model recovers with the truth.
type Customer struct {
	Index   int
	ID      string
	Start   time.Time // time of the first purchase
	Lambda  float64   // purchases per week while alive
	Dropout float64   // probability of dropping out after each purchase
	Nu      float64   // spend scale; the mean order value is P/Nu
	Died    time.Time // when the customer dropped out; zero if alive at End
	Orders  []Order
}

// Order is one purchase occasion with its line items and optional return.
type Order struct {
	ID     string
	Time   time.Time
	Lines  []float64 // line amounts, in cents precision, summing to the order value
	Return float64   // the returned amount as a positive number, 0 if none
	RetAt  time.Time // time of the return
}

// IDWidth returns the number of digits in customer IDs for n customers: at
// least 4, so IDs read C0042.
func IDWidth(n int) int {
	w := len(strconv.Itoa(n - 1))
	return max(w, 4)
}

// CustomerID returns the ID of customer i in a base of n customers.
func CustomerID(i, n int) string {
	s := strconv.Itoa(i)
	w := IDWidth(n)
	b := make([]byte, 0, w+1)
	b = append(b, 'C')
	for range w - len(s) {
		b = append(b, '0')
	}
	return string(append(b, s...))
}

// NewCustomer generates customer i of the base described by c.
func NewCustomer(c Config, i int) Customer {
	c = c.withDefaults()
	rng := rand.New(rand.NewPCG(c.Seed, uint64(i)^0x9e3779b97f4a7c15))
	cu := Customer{Index: i, ID: CustomerID(i, c.Customers)}
	cu.Lambda = gamma(rng, c.R) / c.Alpha
	x, y := gamma(rng, c.A), gamma(rng, c.B)
	cu.Dropout = x / (x + y)
	cu.Nu = gamma(rng, c.Q) / c.Gamma

	day := rng.IntN(c.AcquisitionDays)
	t := c.Start.AddDate(0, 0, day).Add(timeOfDay(rng))
	cu.Start = t
	const week = 7 * 24 * time.Hour
	maxRate := cu.Lambda * (1 + c.Seasonality)
	for n := 0; ; n++ {
		if t.After(c.End) {
			break
		}
		cu.Orders = append(cu.Orders, newOrder(rng, c, cu.ID, n, t, cu.Nu))
		if (n > 0 || !c.BGNBD) && rng.Float64() < cu.Dropout {
			cu.Died = t
			break
		}
		// Next purchase: thinned Poisson process with seasonal rate.
		for {
			gap := rng.ExpFloat64() / maxRate // weeks
			if math.IsInf(gap, 0) || gap > 1e4 {
				t = c.End.Add(time.Hour)
				break
			}
			t = t.Add(time.Duration(gap * float64(week)))
			if t.After(c.End) {
				break
			}
			if c.Seasonality == 0 || rng.Float64()*(1+c.Seasonality) < 1+float64(c.Seasonality*seasonal(t, c.PeakDay)) {
				break
			}
		}
	}
	return cu
}

func seasonal(t time.Time, peak int) float64 {
	return math.Cos(2 * math.Pi * float64(t.YearDay()-peak) / 365.25)
}

func timeOfDay(rng *rand.Rand) time.Duration {
	return 8*time.Hour + time.Duration(rng.IntN(12*3600))*time.Second
}

func newOrder(rng *rand.Rand, c Config, id string, n int, t time.Time, nu float64) Order {
	o := Order{ID: id + "-" + strconv.Itoa(n+1), Time: t}
	value := math.Max(cents(gamma(rng, c.P)/nu), 0.01)
	lines := 1
	for lines < 4 && rng.Float64() < 0.25 {
		lines++
	}
	rest := value
	for l := 0; l < lines-1; l++ {
		part := cents(rest * (0.2 + float64(0.6*rng.Float64())))
		if part <= 0 || part >= rest {
			break
		}
		o.Lines = append(o.Lines, part)
		rest = cents(rest - part)
	}
	o.Lines = append(o.Lines, rest)
	if rng.Float64() < c.ReturnRate {
		o.Return = math.Max(cents(value*(0.1+float64(0.9*rng.Float64()))), 0.01)
		o.RetAt = t.Add(time.Duration(1+rng.IntN(30)) * 24 * time.Hour)
		if o.RetAt.After(c.End) {
			o.Return = 0
			o.RetAt = time.Time{}
		}
	}
	return o
}

func cents(x float64) float64 { return math.Round(x*100) / 100 }

// gamma draws from Gamma(shape k, rate 1) by Marsaglia & Tsang (2000), with
// the usual boost for k < 1.
func gamma(rng *rand.Rand, k float64) float64 {
	if k < 1 {
		u := rng.Float64()
		return gamma(rng, k+1) * math.Pow(u, 1/k)
	}
	d := k - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + float64(c*x)
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := rng.Float64()
		if u < 1-float64(0.0331*x*x*x*x) || math.Log(u) < float64(0.5*x*x)+float64(d*(1-v+math.Log(v))) {
			return d * v
		}
	}
}

// Customers yields the customers of c in index order.
func Customers(c Config) iter.Seq[Customer] {
	c = c.withDefaults()
	return func(yield func(Customer) bool) {
		for i := range c.Customers {
			if !yield(NewCustomer(c, i)) {
				return
			}
		}
	}
}

// Transactions yields the rows of c customer by customer; within a
// customer, each order's line items in order, and a return as its own row
// (order ID prefixed with "R") at the return's time.
func Transactions(c Config) iter.Seq[cvm.Transaction] {
	return func(yield func(cvm.Transaction) bool) {
		for cu := range Customers(c) {
			for _, t := range cu.Transactions() {
				if !yield(t) {
					return
				}
			}
		}
	}
}

// Transactions returns the customer's rows in time order.
func (cu Customer) Transactions() []cvm.Transaction {
	var out []cvm.Transaction
	var returns []cvm.Transaction
	for _, o := range cu.Orders {
		for len(returns) > 0 && returns[0].Time.Before(o.Time) {
			out = append(out, returns[0])
			returns = returns[1:]
		}
		for _, l := range o.Lines {
			out = append(out, cvm.Transaction{Customer: cu.ID, Time: o.Time, Amount: l, Order: o.ID})
		}
		if o.Return > 0 {
			r := cvm.Transaction{Customer: cu.ID, Time: o.RetAt, Amount: -o.Return, Order: "R" + o.ID}
			i := len(returns)
			for i > 0 && returns[i-1].Time.After(r.Time) {
				i--
			}
			returns = append(returns[:i], append([]cvm.Transaction{r}, returns[i:]...)...)
		}
	}
	return append(out, returns...)
}

// TimeLayout is the time layout WriteCSV uses.
const TimeLayout = "2006-01-02 15:04:05"

// WriteCSV writes the transactions of c as CSV with the header
// customer,time,amount,order, times in TimeLayout (UTC) and amounts with
// two decimals. Customers are generated on GOMAXPROCS goroutines in batches
// and written in index order, so the bytes are the same whatever
// GOMAXPROCS; every goroutine has ended when WriteCSV returns.
func WriteCSV(w io.Writer, c Config) error {
	c = c.withDefaults()
	bw := bufio.NewWriterSize(w, 1<<16)
	if _, err := bw.WriteString("customer,time,amount,order\n"); err != nil {
		return err
	}
	const batchSize = 2048
	workers := runtime.GOMAXPROCS(0)
	if workers == 1 || c.Customers <= batchSize {
		var buf []byte
		for i := range c.Customers {
			buf = appendCustomer(buf[:0], NewCustomer(c, i))
			if _, err := bw.Write(buf); err != nil {
				return err
			}
		}
		return bw.Flush()
	}
	type batch struct {
		start, end int
		buf        []byte
		done       chan struct{}
	}
	inFlight := 2 * workers
	jobs := make(chan *batch, inFlight)
	ordered := make(chan *batch, inFlight)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(jobs)
		defer close(ordered)
		for start := 0; start < c.Customers; start += batchSize {
			b := &batch{start: start, end: min(start+batchSize, c.Customers), done: make(chan struct{})}
			select {
			case ordered <- b:
			case <-stop:
				return
			}
			jobs <- b
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				for i := b.start; i < b.end; i++ {
					b.buf = appendCustomer(b.buf, NewCustomer(c, i))
				}
				close(b.done)
			}
		}()
	}
	var err error
	for b := range ordered {
		<-b.done
		if err == nil {
			if _, err = bw.Write(b.buf); err != nil {
				close(stop)
			}
		}
	}
	wg.Wait()
	if err != nil {
		return err
	}
	return bw.Flush()
}

// appendCustomer appends the CSV rows of cu to buf.
func appendCustomer(buf []byte, cu Customer) []byte {
	for _, t := range cu.Transactions() {
		buf = append(buf, t.Customer...)
		buf = append(buf, ',')
		buf = t.Time.UTC().AppendFormat(buf, TimeLayout)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, t.Amount, 'f', 2, 64)
		buf = append(buf, ',')
		buf = append(buf, t.Order...)
		buf = append(buf, '\n')
	}
	return buf
}
