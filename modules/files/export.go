package files

import (
	"context"

	"github.com/haplay/haplay/engine/module"
)

// AttrArgs are the file modules' attribute arguments (mode, owner, group
// and the ones accepted for compatibility), for a module of another
// domain that writes a file on the host (uri's dest).
func AttrArgs() []module.Arg { return attrArgs() }

// EnsureFile makes path hold data with the task's mode, owner and group,
// as copy does: one write when the content differs, a chmod/chown when
// only attributes do; it sets the result's changed flag, diffs and file
// keys. cur is path as read with its content.
func EnsureFile(ctx context.Context, c *module.Call, path string, cur module.FileInfo, data []byte, r *module.Result) error {
	at, err := attrsOf(c.Args)
	if err != nil {
		return err
	}
	return ensureContent(ctx, c, contentWrite{Path: path, Cur: cur, Data: data, Attrs: at}, r)
}
