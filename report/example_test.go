package report_test

import (
	"fmt"

	"chartkeeper/report"
)

func ExampleCoverPayload() {
	payload := report.CoverPayload("3f7a9c1e", "0f1e2d3c", "48151625", "lab")
	fmt.Println(payload)
	practice, patient, mrn, category, err := report.ParseCoverPayload(payload)
	fmt.Println(practice, patient, mrn, category, err)
	_, _, _, _, err = report.ParseCoverPayload("CK1:COVER:3f7a9c1e:0f1e2d3c:48151626:lab")
	fmt.Println(err)
	// Output:
	// CK1:COVER:3f7a9c1e:0f1e2d3c:48151625:lab
	// 3f7a9c1e 0f1e2d3c 48151625 lab <nil>
	// not a Chartkeeper cover sheet: "48151626" is not a valid MRN
}
