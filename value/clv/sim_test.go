package clv

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
)

// Simulators of the models' stories, written from the papers' definitions
// and independent of the likelihood code, for parameter-recovery tests.

func gammaDraw(src rand.Source, shape, rate float64) float64 {
	return distuv.Gamma{Alpha: shape, Beta: rate, Src: src}.Rand()
}

// simBGNBD simulates n customers of the BG/NBD story (Fader, Hardie & Lee
// 2005, section 2) observed for T ~ U(20, 60) time units; with modified
// set, the customer may also drop out at time 0 (MBG/NBD).
func simBGNBD(seed uint64, n int, r, alpha, a, b float64, modified bool) []Customer {
	src := rand.NewPCG(seed, 1)
	rng := rand.New(src)
	out := make([]Customer, n)
	for i := range out {
		lambda := gammaDraw(src, r, alpha)
		p := distuv.Beta{Alpha: a, Beta: b, Src: src}.Rand()
		T := 20 + 40*rng.Float64()
		c := Customer{T: T}
		alive := !(modified && rng.Float64() < p)
		t := 0.0
		for alive {
			t += rng.ExpFloat64() / lambda
			if t > T {
				break
			}
			c.Frequency++
			c.Recency = t
			if rng.Float64() < p {
				alive = false
			}
		}
		out[i] = c
	}
	return out
}

// simPareto simulates n customers of the Pareto/NBD story (Schmittlein,
// Morrison & Colombo 1987): Poisson purchases at rate lambda until an
// exponential lifetime with rate mu ends, T ~ U(20, 60).
func simPareto(seed uint64, n int, r, alpha, s, beta float64) []Customer {
	src := rand.NewPCG(seed, 2)
	rng := rand.New(src)
	out := make([]Customer, n)
	for i := range out {
		lambda := gammaDraw(src, r, alpha)
		mu := gammaDraw(src, s, beta)
		T := 20 + 40*rng.Float64()
		end := math.Min(T, rng.ExpFloat64()/mu)
		c := Customer{T: T}
		for t := rng.ExpFloat64() / lambda; t <= end; t += rng.ExpFloat64() / lambda {
			c.Frequency++
			c.Recency = t
		}
		out[i] = c
	}
	return out
}

// simSpend simulates n repeat buyers of the Gamma-Gamma story (Fader,
// Hardie & Lee 2005b): x in 1..10, nu ~ Gamma(q, gamma), each transaction
// ~ Gamma(p, nu), MeanSpend their mean.
func simSpend(seed uint64, n int, p, q, g float64) []Customer {
	src := rand.NewPCG(seed, 3)
	rng := rand.New(src)
	out := make([]Customer, n)
	for i := range out {
		x := 1 + rng.IntN(10)
		nu := gammaDraw(src, q, g)
		sum := 0.0
		for range x {
			sum += gammaDraw(src, p, nu)
		}
		out[i] = Customer{Frequency: float64(x), Recency: 1, T: 2, MeanSpend: sum / float64(x)}
	}
	return out
}

func gammaQuantile(shape, rate, p float64) float64 {
	return distuv.Gamma{Alpha: shape, Beta: rate}.Quantile(p)
}
