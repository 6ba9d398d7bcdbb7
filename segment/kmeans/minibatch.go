package kmeans

import (
	"context"
	"math"
	"math/rand/v2"
)

// runMiniBatch is Sculley's (2010) mini-batch k-means from f.centers: each
// step draws batch rows with replacement from rng, assigns them to the
// nearest centre and moves centre j to the weighted mean of everything it
// has absorbed so far,
//
//	c_j <- (c_j * W_j + sum_b w_b x_b) / (W_j + sum_b w_b),  W_j += sum_b w_b.
//
// It runs at most maxIter passes over the data (maxIter * ceil(n/batch)
// steps) and stops early, as scikit-learn's MiniBatchKMeans with
// max_no_improvement=10, when an exponentially weighted average of the
// batch inertia has not improved for 10 consecutive steps. A final exact
// assignment pass labels every row. Progress reports that average scaled
// to n rows. Unlike scikit-learn it does not reassign small clusters.
func (f *fitter) runMiniBatch(ctx context.Context, rng *rand.Rand, run, maxIter, batch int) (int, bool, error) {
	n, d, k := f.n, f.d, f.k
	batch = min(batch, n)
	counts := make([]float64, k)
	sums := make([]float64, k*d)
	bw := make([]float64, k)
	steps := maxIter * ((n + batch - 1) / batch)
	alpha := min(1, 2*float64(batch)/float64(n+1))
	ewa, bestEwa := 0.0, math.Inf(1)
	noImprove := 0
	iters, converged := steps, false
	for step := 0; step < steps; step++ {
		if err := ctx.Err(); err != nil {
			return 0, false, err
		}
		clear(sums)
		clear(bw)
		var bi, bwt float64
		for b := 0; b < batch; b++ {
			i := rng.IntN(n)
			row := f.x[i*d : i*d+d]
			j, dd := nearest(row, f.centers, k, d)
			wi := f.wt(i)
			bi += wi * dd
			bwt += wi
			s := sums[j*d : j*d+d]
			for t, v := range row {
				s[t] += v * wi
			}
			bw[j] += wi
		}
		for j := 0; j < k; j++ {
			if bw[j] == 0 {
				continue
			}
			c := f.centers[j*d : j*d+d]
			tot := counts[j] + bw[j]
			for t := range c {
				c[t] = (c[t]*counts[j] + sums[j*d+t]) / tot
			}
			counts[j] = tot
		}
		bi /= float64(batch)
		if step == 0 {
			ewa = bi
		} else {
			ewa = ewa*(1-alpha) + bi*alpha
		}
		if f.progress != nil {
			f.progress(run, step+1, ewa*float64(n))
		}
		if ewa < bestEwa {
			bestEwa, noImprove = ewa, 0
		} else if noImprove++; noImprove >= 10 {
			iters, converged = step+1, true
			break
		}
	}
	f.valid = false
	f.updateSums = false
	f.prepare()
	f.pool.Run(f.lloydChunk)
	return iters, converged, nil
}
