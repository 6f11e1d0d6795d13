package template

import (
	"fmt"
	"strings"
	"time"
)

// cStrftime formats t as glibc's strftime does in the C locale, for the
// conversions Python's time.strftime passes through; an unknown one is
// written as it is.
func cStrftime(format string, t time.Time) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b.WriteByte(c)
			continue
		}
		i++
		b.WriteString(strftimeField(format[i], t))
	}
	return b.String()
}

func strftimeField(c byte, t time.Time) string {
	hour12 := t.Hour() % 12
	if hour12 == 0 {
		hour12 = 12
	}
	_, week := t.ISOWeek()
	switch c {
	case 'Y':
		return fmt.Sprint(t.Year())
	case 'y':
		return fmt.Sprintf("%02d", t.Year()%100)
	case 'C':
		return fmt.Sprintf("%02d", t.Year()/100)
	case 'm':
		return fmt.Sprintf("%02d", int(t.Month()))
	case 'd':
		return fmt.Sprintf("%02d", t.Day())
	case 'e':
		return fmt.Sprintf("%2d", t.Day())
	case 'H':
		return fmt.Sprintf("%02d", t.Hour())
	case 'I':
		return fmt.Sprintf("%02d", hour12)
	case 'M':
		return fmt.Sprintf("%02d", t.Minute())
	case 'S':
		return fmt.Sprintf("%02d", t.Second())
	case 'p':
		if t.Hour() < 12 {
			return "AM"
		}
		return "PM"
	case 'a':
		return t.Weekday().String()[:3]
	case 'A':
		return t.Weekday().String()
	case 'b', 'h':
		return t.Month().String()[:3]
	case 'B':
		return t.Month().String()
	case 'j':
		return fmt.Sprintf("%03d", t.YearDay())
	case 'u':
		return fmt.Sprint((int(t.Weekday())+6)%7 + 1)
	case 'w':
		return fmt.Sprint(int(t.Weekday()))
	case 'V':
		return fmt.Sprintf("%02d", week)
	case 'G':
		y, _ := t.ISOWeek()
		return fmt.Sprint(y)
	case 'U':
		return fmt.Sprintf("%02d", (t.YearDay()+6-int(t.Weekday()))/7)
	case 'W':
		return fmt.Sprintf("%02d", (t.YearDay()+6-(int(t.Weekday())+6)%7)/7)
	case 'Z':
		name, _ := t.Zone()
		if t.Location() == time.UTC {
			return "GMT" // time.gmtime's zone name
		}
		return name
	case 'z':
		return t.Format("-0700")
	case 's':
		return fmt.Sprint(t.Unix())
	case 'c':
		return t.Format("Mon Jan _2 15:04:05 2006")
	case 'x':
		return t.Format("01/02/06")
	case 'X', 'T':
		return t.Format("15:04:05")
	case 'D':
		return t.Format("01/02/06")
	case 'F':
		return fmt.Sprintf("%d-%02d-%02d", t.Year(), int(t.Month()), t.Day())
	case 'R':
		return t.Format("15:04")
	case 'n':
		return "\n"
	case 't':
		return "\t"
	case '%':
		return "%"
	}
	return "%" + string(c)
}
