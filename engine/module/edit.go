package module

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/haplay/haplay/engine/connection/hostcmd"
)

// EditAttempts bounds how often ReadModifyWrite starts an edit over. A
// file another writer changes faster than haplay can read, plan and
// write it is being managed by something else, and the task fails
// rather than fight it.
const EditAttempts = 5

// ReadModifyWrite runs edit (read the file, plan, write it with
// WriteOptions.Unchanged set from the read) and, each time its write
// finds that another writer changed the file since the read, runs it
// again from a fresh read, so that other writer's change is kept and
// this one is made on top of it. edit must start from nothing each time
// (its result, its plan). After EditAttempts the error says the file
// kept changing and names path; it was left as the other writer made it.
func ReadModifyWrite(ctx context.Context, path string, edit func() error) error {
	for i := 1; ; i++ {
		err := edit()
		if !errors.Is(err, hostcmd.ErrChangedSinceRead) {
			return err
		}
		if i == EditAttempts {
			return fmt.Errorf("%s kept changing on the host while this task edited it (%d attempts), "+
				"left as the other writer made it: %w", path, i, err)
		}
		// A short pause, longer each time, lets a burst of writes end.
		select {
		case <-ctx.Done():
			return fmt.Errorf("edit %s: %w", path, ctx.Err())
		case <-time.After(time.Duration(i*i) * 20 * time.Millisecond):
		}
	}
}
