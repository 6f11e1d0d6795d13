package modules

import (
	"context"
	"encoding/base64"
	"fmt"
)

// Slurp reads a file from the host (ansible.builtin.slurp).
type Slurp struct{}

var _ Module = Slurp{}

func (Slurp) Name() string { return "slurp" }

func (Slurp) Spec() Spec {
	return Spec{
		Short:       "Read a file from the host, base64-encoded",
		Description: "Returns the file's content base64-encoded in content (decode it with b64decode). Changes nothing.",
		Args: []Arg{
			{Name: "src", Type: TypePath, Required: true, Aliases: []string{"path"}, Doc: "the file to read"},
		},
		Examples: `- name: Read the swarm join token
  ansible.builtin.slurp:
    src: /var/lib/docker/swarm/worker-token
  register: token`,
	}
}

func (Slurp) Run(ctx context.Context, c *Call) (Result, error) {
	p := c.Args.String("src")
	f, err := c.Host.ReadFile(ctx, p, true)
	if err != nil {
		return asResult(Result{}, err)
	}
	switch {
	case !f.Exists:
		return Result{Failed: true, Msg: fmt.Sprintf("file not found: %s", p)}, nil
	case f.Type == "directory":
		return Result{Failed: true, Msg: fmt.Sprintf("source is a directory and must be a file: %s", p)}, nil
	case !f.HasData:
		return Result{Failed: true, Msg: fmt.Sprintf("%s is not a regular file", p)}, nil
	}
	var r Result
	r.Set("content", base64.StdEncoding.EncodeToString(f.Content))
	r.Set("encoding", "base64")
	r.Set("source", p)
	return r, nil
}
