package value

import "github.com/cvmkit/cvm"

// lineItem returns the units and the item of a transaction for the volume
// and breadth indicators: its category when it has one, else its product.
func lineItem(t cvm.Transaction) (qty float64, item string) {
	if t.Category != "" {
		return t.Quantity, t.Category
	}
	return t.Quantity, t.Product
}
