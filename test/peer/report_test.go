// Added to a build copy of a reference test suite (test/peer/build.sh): one JSON line per spec
// into $PEER_REPORT ({"spec", "at" (file:line of its It), "state", "failure", "where", "seconds"}), for test/peer/compare.py.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/onsi/ginkgo"
	gconfig "github.com/onsi/ginkgo/config"
	gtypes "github.com/onsi/ginkgo/types"
)

type peerReporter struct{ out *os.File }

func peerReporters() []ginkgo.Reporter {
	path := os.Getenv("PEER_REPORT")
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	return []ginkgo.Reporter{&peerReporter{out: f}}
}

func (r *peerReporter) SpecSuiteWillBegin(gconfig.GinkgoConfigType, *gtypes.SuiteSummary) {}
func (r *peerReporter) BeforeSuiteDidRun(*gtypes.SetupSummary)                          {}
func (r *peerReporter) AfterSuiteDidRun(*gtypes.SetupSummary)                           {}
func (r *peerReporter) SpecWillRun(*gtypes.SpecSummary)                                 {}
func (r *peerReporter) SpecSuiteDidEnd(*gtypes.SuiteSummary)                            { r.out.Close() }

func (r *peerReporter) SpecDidComplete(s *gtypes.SpecSummary) {
	state := map[gtypes.SpecState]string{
		gtypes.SpecStatePassed: "passed", gtypes.SpecStateFailed: "failed",
		gtypes.SpecStatePanicked: "failed", gtypes.SpecStateTimedOut: "failed",
		gtypes.SpecStateSkipped: "skipped", gtypes.SpecStatePending: "skipped",
	}[s.State]
	if state == "" {
		state = "failed"
	}
	at := s.ComponentCodeLocations[len(s.ComponentCodeLocations)-1]
	line := map[string]interface{}{
		"spec":    strings.Join(s.ComponentTexts[1:], " "),
		"at":      fmt.Sprintf("%s:%d", filepath.Base(at.FileName), at.LineNumber),
		"state":   state,
		"seconds": s.RunTime.Seconds(),
	}
	if state == "failed" {
		line["failure"] = s.Failure.Message
		if s.Failure.ForwardedPanic != "" {
			line["failure"] = s.Failure.Message + ": " + s.Failure.ForwardedPanic
		}
		line["where"] = s.Failure.Location.String()
	}
	b, _ := json.Marshal(line)
	r.out.Write(append(b, '\n'))
}
