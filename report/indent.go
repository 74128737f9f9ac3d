package report

// appendIndent appends src, a JSON value as encoding/json writes it (valid, compact),
// indented as json.Indent indents it: each element on a line of its own beginning with
// prefix and one indent per level, "key": value, empty objects and arrays kept as {}
// and []. It is json.Indent without the validating scanner, which costs more than the
// encoding on a gateway's report of thousands of sessions; whitespace between tokens
// is dropped, strings are copied as they are.
func appendIndent(dst, src []byte, prefix, indent string) []byte {
	depth := 0
	open := false // just after { or [: an empty one closes on the same line
	newline := func() {
		dst = append(dst, '\n')
		dst = append(dst, prefix...)
		for range depth {
			dst = append(dst, indent...)
		}
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		if open && c != '}' && c != ']' {
			open = false
			newline()
		}
		switch c {
		case '"':
			j := i + 1
			for ; j < len(src); j++ {
				if src[j] == '\\' {
					j++
				} else if src[j] == '"' {
					break
				}
			}
			j = min(j, len(src)-1)
			dst = append(dst, src[i:j+1]...)
			i = j
		case '{', '[':
			dst = append(dst, c)
			depth++
			open = true
		case '}', ']':
			depth--
			if open {
				open = false
			} else {
				newline()
			}
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			newline()
		case ':':
			dst = append(dst, ':', ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
