package simstate

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestVersionedWrites(t *testing.T) {
	srv := httptest.NewServer(&Server{})
	defer srv.Close()
	get := func() string {
		r, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return strings.TrimSpace(string(b))
	}
	put := func(version, body string) int {
		req, _ := http.NewRequest(http.MethodPut, srv.URL+"?version="+version, strings.NewReader(body))
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode
	}
	if got := get(); got != `{"state":null,"version":0}` {
		t.Fatalf("empty: %s", got)
	}
	if code := put("0", `{"a":1}`); code != 200 {
		t.Fatalf("first write: %d", code)
	}
	if code := put("0", `{"a":2}`); code != http.StatusConflict {
		t.Fatalf("stale write: %d, want 409", code)
	}
	if got := get(); got != `{"state":{"a":1},"version":1}` {
		t.Fatalf("after write: %s", got)
	}
}
