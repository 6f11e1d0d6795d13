package system

import (
	"strconv"
	"strings"
	"time"
)

// The date_time collector: one date run prints the host's now, and
// mid-January and mid-July of this year, whose zone names give tz_dst
// (Python's time.tzname[1]).
func probeDateTime(gatherOpts) string {
	return `LC_ALL=C date -f - +'%s %N %Z %z %Y %m %A %w %W %d %H %M %S' <<'EOF'
now
Jan 15
Jul 15
EOF`
}

func parseDateTime(f map[string]any, s factSections, _ gatherOpts) {
	var rows [][]string
	for _, l := range s["@date_time"] {
		if fields := strings.Fields(l); len(fields) == 13 {
			rows = append(rows, fields)
		}
	}
	if len(rows) == 0 {
		return
	}
	now := rows[0]
	sec, _ := strconv.ParseInt(now[0], 10, 64)
	nsec, _ := strconv.ParseInt(now[1], 10, 64)
	utc := time.Unix(sec, nsec).UTC()
	micro := strconv.FormatInt(nsec/1000+1000000, 10)[1:]
	f["date_time"] = map[string]any{
		"year": now[4], "month": now[5], "weekday": now[6], "weekday_number": now[7], "weeknumber": now[8],
		"day": now[9], "hour": now[10], "minute": now[11], "second": now[12],
		"epoch": now[0], "epoch_int": now[0],
		"date":                now[4] + "-" + now[5] + "-" + now[9],
		"time":                now[10] + ":" + now[11] + ":" + now[12],
		"iso8601_micro":       utc.Format("2006-01-02T15:04:05.") + micro + "Z",
		"iso8601":             utc.Format("2006-01-02T15:04:05Z"),
		"iso8601_basic":       now[4] + now[5] + now[9] + "T" + now[10] + now[11] + now[12] + micro,
		"iso8601_basic_short": now[4] + now[5] + now[9] + "T" + now[10] + now[11] + now[12],
		"tz":                  now[2],
		"tz_dst":              dstName(rows),
		"tz_offset":           now[3],
	}
}

// dstName is the zone's daylight-saving name: of January's and July's
// names, the one with the larger offset; the standard name where they do
// not differ, as glibc's tzname[1] is then.
func dstName(rows [][]string) string {
	if len(rows) < 3 || rows[1][2] == rows[2][2] {
		return rows[0][2]
	}
	jan, _ := strconv.Atoi(rows[1][3])
	jul, _ := strconv.Atoi(rows[2][3])
	if jan > jul {
		return rows[1][2]
	}
	return rows[2][2]
}
