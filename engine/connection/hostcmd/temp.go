package hostcmd

import "time"

// TempMarker is in the name of every temp file WriteFile makes:
// .NAME.haplay-tmp.RANDOM beside the target. A writer that dies (the
// controller SIGKILLed, the host rebooted) leaves its temp behind; the
// name says whose it is, so a later write into the directory sweeps it
// (see sweepScript), and it is never renamed over the target.
const TempMarker = ".haplay-tmp."

// StaleTempAge is how old (by mtime) a temp file of ours must be before
// a write into its directory removes it. A live writer modifies its temp
// while data arrives, and renames it right after validation, so only a
// writer stalled for this long could lose its temp to the sweep (its
// rename then fails; the target is never harmed). An hour is far beyond
// any such stall and short enough that leftovers do not pile up.
const StaleTempAge = time.Hour
