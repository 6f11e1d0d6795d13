package files

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/haplay/haplay/engine/module"
)

// Slurp reads a file from the host (ansible.builtin.slurp).
type Slurp struct{}

var _ module.Module = Slurp{}

func (Slurp) Name() string { return "slurp" }

func (Slurp) Spec() module.Spec {
	return module.Spec{
		Short:       "Read a file from the host, base64-encoded",
		Description: "Returns the file's content base64-encoded in content (decode it with b64decode). Changes nothing.",
		Args: []module.Arg{
			{Name: "src", Type: module.TypePath, Required: true, Aliases: []string{"path"}, Doc: "the file to read"},
		},
		Examples: `- name: Read the swarm join token
  ansible.builtin.slurp:
    src: /var/lib/docker/swarm/worker-token
  register: token`,
	}
}

func (Slurp) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	p := c.Args.String("src")
	f, err := c.Host.ReadFile(ctx, p, true)
	if err != nil {
		return asResult(module.Result{}, err)
	}
	switch {
	case !f.Exists:
		return module.Result{Failed: true, Msg: fmt.Sprintf("file not found: %s", p)}, nil
	case f.Type == "directory":
		return module.Result{Failed: true, Msg: fmt.Sprintf("source is a directory and must be a file: %s", p)}, nil
	case !f.HasData:
		return module.Result{Failed: true, Msg: fmt.Sprintf("%s is not a regular file", p)}, nil
	}
	var r module.Result
	r.Set("content", base64.StdEncoding.EncodeToString(f.Content))
	r.Set("encoding", "base64")
	r.Set("source", p)
	return r, nil
}
