package weight_test

import (
	"fmt"

	"github.com/cvmkit/cvm/value/weight"
	"gonum.org/v1/gonum/mat"
)

// AHP weights and consistency of a 3 x 3 pairwise comparison matrix.
func ExampleAHP() {
	a := mat.NewDense(3, 3, []float64{
		1, 3, 5,
		1.0 / 3, 1, 2,
		1.0 / 5, 1.0 / 2, 1,
	})
	r, err := weight.AHP(a, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("weights %.4f\nlambda_max %.4f CI %.4f CR %.4f\n", r.Weights, r.LambdaMax, r.CI, r.CR)
	// Output:
	// weights [0.6483 0.2297 0.1220]
	// lambda_max 3.0037 CI 0.0018 CR 0.0032
}

// Entropy and CRITIC weights of three criteria, blended half and half
// with subjective weights.
func ExampleBlend() {
	x := mat.NewDense(4, 3, []float64{
		10, 1, 5,
		20, 1, 6,
		30, 2, 5,
		40, 2, 6,
	})
	e, err := weight.Entropy(x)
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := weight.CRITIC(x, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	b, err := weight.Blend([]float64{0.5, 0.3, 0.2}, e, 0.5)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("entropy %.4f\ncritic  %.4f\nblend   %.4f\n", e, c, b)
	// Output:
	// entropy [0.6366 0.3387 0.0247]
	// critic  [0.1558 0.3511 0.4931]
	// blend   [0.5683 0.3193 0.1124]
}

// TOPSIS closeness of four alternatives (Hwang & Yoon 1981's fighter
// aircraft), with vector normalisation.
func ExampleTOPSIS() {
	x := mat.NewDense(4, 6, []float64{
		2.0, 1500, 20000, 5.5, 5, 9,
		2.5, 2700, 18000, 6.5, 3, 5,
		1.8, 2000, 21000, 4.5, 7, 7,
		2.2, 1800, 20000, 5.0, 5, 5,
	})
	c, err := weight.TOPSIS(x, []float64{0.2, 0.1, 0.1, 0.1, 0.2, 0.3}, []bool{true, true, true, false, true, true}, weight.VectorNorm)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.3f\n", c)
	// Output: [0.643 0.268 0.614 0.312]
}
