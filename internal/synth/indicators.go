package synth

import (
	"bufio"
	"io"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/cvmkit/cvm"
)

// IndicatorIDs are the columns of an indicator table, the IDs of the
// default catalog of package value, in its order.
var IndicatorIDs = []string{
	"volume", "revenue", "gross_profit", "gross_margin", "high_value_share",
	"order_frequency", "recency", "volume_volatility", "fulfilment", "tenure",
	"dso", "overdue_ratio", "credit_rating", "cost_to_serve", "price_realisation",
	"total_demand", "headroom", "growth_rate", "industry_outlook", "cross_buying",
	"share_of_wallet", "satisfaction", "switching_cost", "contacts", "info_sharing",
	"joint_projects", "influence", "nps", "product_fit", "financial_health",
}

// IndicatorConfig describes a synthetic B2B customer base for the value
// model. The zero value of each field means its default.
type IndicatorConfig struct {
	Customers int    // number of customers; 0 means 1000
	Seed      uint64 // seed of every random stream
	// MissingRate is the probability that a cell (other than volume and
	// revenue) is missing (NaN); 0 means none.
	MissingRate float64
}

// IndicatorTable is a customer x indicator table stored by column, the
// shape of value.IndicatorTable: Columns[j][i] is indicator IDs[j] of customer
// Customers[i]; NaN marks a missing value.
type IndicatorTable struct {
	Customers []string
	IDs       []string
	Columns   [][]float64
}

// Indicators generates an indicator table. Each customer has latent
// factors drawn from its own PCG stream seeded by (Seed, index): size
// (log-normal, so money and volume are right-skewed with a long tail),
// financial health, relationship strength, growth and product mix; every
// indicator is a function of a few factors plus noise, so indicators of a
// group are correlated (volume, revenue, gross profit, total demand and
// contacts with size; DSO, overdue ratio, credit rating with health; share
// of wallet, satisfaction and NPS with relationship). The output does not
// depend on GOMAXPROCS.
func Indicators(c IndicatorConfig) IndicatorTable {
	n := c.Customers
	if n == 0 {
		n = 1000
	}
	t := IndicatorTable{Customers: make([]string, n), IDs: append([]string(nil), IndicatorIDs...), Columns: make([][]float64, len(IndicatorIDs))}
	for j := range t.Columns {
		t.Columns[j] = make([]float64, n)
	}
	var row [30]float64
	for i := range n {
		t.Customers[i] = CustomerID(i, n)
		rng := rand.New(rand.NewPCG(c.Seed^0x5eed1d1ca7025, uint64(i)))
		nz := rng.NormFloat64
		indicatorRow(rng, &row, factors{nz(), nz(), nz(), nz(), nz()})
		for j := range row {
			v := row[j]
			if c.MissingRate > 0 && j >= 2 && rng.Float64() < c.MissingRate {
				v = math.NaN()
			}
			t.Columns[j][i] = v
		}
	}
	return t
}

func clamp(x, lo, hi float64) float64 { return min(max(x, lo), hi) }

// factors are a customer's latent standard-normal factors.
type factors struct{ size, health, rel, growth, mix float64 }

// IndicatorsFor generates the indicator table of the customers of s (in
// their order, with their IDs) from their own transactions plus noise, so
// that what the table says agrees with what they bought: the size factor
// is the standardised log net sales (ln(1 + max(Total, 0))) plus noise of
// SD 0.3, so volume, revenue, gross profit, total demand and contacts
// follow the customer's net sales; relationship strength (share of wallet,
// satisfaction, NPS) follows the standardised log purchase occasions, the
// product mix (high-value share, price) the standardised log mean spend per
// occasion, each plus noise of SD 0.6; financial health and growth are
// noise. Each customer's noise comes from its own PCG stream seeded by
// (seed, index). A constant column standardises to 0. Empty s gives an
// empty table.
func IndicatorsFor(s []cvm.Summary, seed uint64) IndicatorTable {
	n := len(s)
	t := IndicatorTable{Customers: make([]string, n), IDs: append([]string(nil), IndicatorIDs...), Columns: make([][]float64, len(IndicatorIDs))}
	for j := range t.Columns {
		t.Columns[j] = make([]float64, n)
	}
	net := make([]float64, n)
	occ := make([]float64, n)
	aov := make([]float64, n)
	for i, c := range s {
		t.Customers[i] = c.Customer
		net[i] = math.Log1p(max(c.Total, 0))
		occ[i] = math.Log1p(float64(c.Occasions))
		aov[i] = math.Log1p(max(c.Mean(), 0))
	}
	standardise(net)
	standardise(occ)
	standardise(aov)
	var row [30]float64
	for i := range n {
		rng := rand.New(rand.NewPCG(seed^0x5eed1d1ca7026, uint64(i)))
		nz := rng.NormFloat64
		f := factors{
			size:   net[i] + 0.3*nz(),
			health: nz(),
			rel:    0.8*occ[i] + 0.6*nz(),
			growth: nz(),
			mix:    0.8*aov[i] + 0.6*nz(),
		}
		indicatorRow(rng, &row, f)
		for j := range row {
			t.Columns[j][i] = row[j]
		}
	}
	return t
}

// standardise replaces x by (x - mean) / sd, or by 0 when sd is 0.
func standardise(x []float64) {
	if len(x) == 0 {
		return
	}
	mu := 0.0
	for _, v := range x {
		mu += v
	}
	mu /= float64(len(x))
	ss := 0.0
	for _, v := range x {
		ss += (v - mu) * (v - mu)
	}
	sd := math.Sqrt(ss / float64(len(x)))
	for i, v := range x {
		if sd > 0 {
			x[i] = (v - mu) / sd
		} else {
			x[i] = 0
		}
	}
}

func indicatorRow(rng *rand.Rand, r *[30]float64, f factors) {
	nz := rng.NormFloat64
	size, health, rel, growth, mix := f.size, f.health, f.rel, f.growth, f.mix
	round := math.Round
	volume := math.Round(2000 * math.Exp(1.3*size+0.2*nz()))
	price := 4000 * (1 + 0.08*nz()) * (1 + 0.12*mix)
	revenue := cents(volume * price)
	margin := clamp(12+4*health+2*mix+3*nz(), -15, 40)
	freq := round(math.Exp(2.5 + 0.5*size + 0.3*nz()))
	sow := 100 / (1 + math.Exp(-(0.2 + 0.8*rel + 0.5*nz())))
	total := math.Round(volume * 100 / sow)
	r[0] = volume
	r[1] = revenue
	r[2] = cents(revenue * margin / 100)
	r[3] = round(margin*10) / 10
	r[4] = clamp(round(30+12*mix+8*nz()), 0, 100)
	r[5] = freq
	r[6] = round(-math.Log(1-rng.Float64()) * 365 / (freq + 1))
	r[7] = round(math.Exp(-0.8-0.2*size+0.3*nz())*100) / 100
	r[8] = clamp(round(90+4*health+3*nz()), 50, 100)
	r[9] = clamp(round(math.Exp(1.8+0.3*rel+0.5*nz())), 1, 40)
	r[10] = round(max(5, 45-8*health+10*nz()))
	r[11] = round(clamp(5-3*health+4*nz(), 0, 100)*10) / 10
	r[12] = clamp(round(6+1.5*health+nz()), 1, 10)
	r[13] = round(clamp(6-1.2*size+2*nz(), 0.5, 30)*10) / 10
	r[14] = round(clamp(95+2*rel+2*health+2*nz(), 70, 110)*10) / 10
	r[15] = total
	r[16] = math.Round(total * (1 - sow/100))
	r[17] = round((3+5*growth+4*nz())*10) / 10
	r[18] = clamp(round(3+0.8*growth+0.7*nz()), 1, 5)
	r[19] = max(0, round(math.Exp(0.5+0.3*size+0.3*growth+0.4*nz()))-1)
	r[20] = round(sow*10) / 10
	r[21] = clamp(round(3.5+0.6*rel+0.7*nz()), 1, 5)
	r[22] = clamp(round(3+0.6*rel+0.3*mix+0.8*nz()), 1, 5)
	r[23] = round(math.Exp(1 + 0.4*size + 0.4*rel + 0.3*nz()))
	r[24] = clamp(round(3+0.8*rel+0.8*nz()), 1, 5)
	r[25] = math.Floor(math.Exp(-0.5 + 0.5*size + 0.5*rel + 0.5*growth + 0.5*nz()))
	r[26] = clamp(round(2.5+0.9*size+0.8*nz()), 1, 5)
	r[27] = clamp(round(20+25*rel+30*nz()), -100, 100)
	r[28] = clamp(round(60+15*mix+15*nz()), 0, 100)
	r[29] = round((2.5+0.8*health+0.4*growth+0.6*nz())*100) / 100
}

// WriteIndicatorCSV writes Indicators(c) as CSV with the header
// customer,<IndicatorIDs...>; a missing value is an empty cell.
func WriteIndicatorCSV(w io.Writer, c IndicatorConfig) error {
	t := Indicators(c)
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString("customer")
	for _, id := range t.IDs {
		bw.WriteByte(',')
		bw.WriteString(id)
	}
	bw.WriteByte('\n')
	var buf []byte
	for i, cu := range t.Customers {
		buf = append(buf[:0], cu...)
		for j := range t.Columns {
			buf = append(buf, ',')
			if v := t.Columns[j][i]; v == v {
				buf = strconv.AppendFloat(buf, v, 'f', -1, 64)
			}
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}
