/*
 * How big a JSON tree a body would make, before json-c builds it: json-c
 * spends ~100 bytes per value and ~350 per array, so 100 MB of
 * "[[],[],...]" would become gigabytes. This only counts brackets and
 * commas outside strings (json-c still does the parsing, with a depth cap).
 */
#include "fetch_internal.h"

bool fetch_json_within(const char *b, size_t n, size_t max_containers, size_t max_values)
{
	size_t containers = 0, values = 0;
	bool in_string = false;
	for (size_t i = 0; i < n; i++) {
		char ch = b[i];
		if (in_string) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_string = false;
			continue;
		}
		switch (ch) {
		case '"':
			in_string = true;
			break;
		case '[':
		case '{':
			if (++containers > max_containers || ++values > max_values)
				return false;
			break;
		case ',':
		case ':':
			if (++values > max_values)
				return false;
			break;
		default:
			break;
		}
	}
	return true;
}
