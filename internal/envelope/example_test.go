package envelope_test

import (
	"encoding/json"
	"fmt"

	"github.com/cvmkit/cvm/internal/envelope"
)

type model struct {
	envelope.Header
	Rate float64 `json:"rate"`
}

func ExampleDecode() {
	data, err := json.Marshal(model{Header: envelope.New("cvm.demo.model", 1, nil), Rate: 0.25})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(data))

	var m model
	fmt.Println(envelope.Decode("demo", data, "cvm.demo.model", 1, &m), m.Rate)
	fmt.Println(envelope.Decode("demo", data, "cvm.demo.model", 2, &m))
	fmt.Println(envelope.Decode("demo", []byte(`{"format":"cvm.demo.model","version":1,"rat":1}`), "cvm.demo.model", 1, &m))
	// Output:
	// {"format":"cvm.demo.model","version":1,"rate":0.25}
	// <nil> 0.25
	// cvm: cvm.demo.model version 1, want version 2
	// demo: decoding cvm.demo.model: json: unknown field "rat"
}
