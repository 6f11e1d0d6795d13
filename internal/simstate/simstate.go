// Package simstate is the shared memory of the tool simulators in
// modules/testdata (MicroK8s): one JSON document with a version, served
// over HTTP on the lab bridge so every lab host sees the same cluster. A
// writer must name the version it read; a stale write gets 409 Conflict,
// so two hosts changing the cluster at once cannot lose an update.
package simstate

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// Server holds the document. The zero value is ready to serve.
type Server struct {
	mu      sync.Mutex
	version int
	doc     json.RawMessage
}

// ServeHTTP answers GET with {"version": N, "state": DOC} and takes PUT
// ?version=N with the new document.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.Method {
	case http.MethodGet:
		doc := s.doc
		if doc == nil {
			doc = json.RawMessage("null")
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"version": s.version, "state": doc})
	case http.MethodPut:
		v, _ := strconv.Atoi(r.URL.Query().Get("version"))
		if v != s.version {
			w.WriteHeader(http.StatusConflict)
			return
		}
		b, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		s.doc = b
		s.version++
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}
