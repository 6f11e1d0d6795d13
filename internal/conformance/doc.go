// Package conformance holds the differential tests that run the playbook
// corpus under testdata/playbooks with haplay and with ansible-playbook on
// the same lab hosts, and compare what each reports and leaves behind; and
// the bad-input corpus under testdata/bad, where every case must fail to
// load with a positioned error before any host is contacted.
//
// The code lives in the _test.go files; this file only names the package.
package conformance
