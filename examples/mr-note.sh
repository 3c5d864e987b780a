#!/usr/bin/env bash
# Post the markdown report as ONE note on the merge request, and update that
# same note in place on later pipelines, so a merge request does not fill up
# with reports. GitLab renders the report's Mermaid diagram inline. Installed
# by the package as /usr/bin/issuegraph-mr-note (the CI component calls it).
#
# The note it updates is one that holds its hidden marker AND was written by
# the token's own user (GET /user): anyone can paste the marker into a
# comment, and GitLab lets only a note's author edit it, so adopting someone
# else's note would only fail. The CI component runs this in after_script:
# after the gate, and its failure never changes the job's result.
#
# usage: issuegraph-mr-note REPORT.md
# Needs: curl and jq (the release image has both); in a merge-request
# pipeline: CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID (GitLab sets
# them), and ISSUEGRAPH_NOTE_TOKEN: a project access token with the `api`
# scope (Reporter role), in a masked CI/CD variable. The read token
# (GITLAB_TOKEN, read_api) is never used here: it cannot write, and it should
# not be able to.
set -euo pipefail

report=${1:?usage: issuegraph-mr-note REPORT.md}
for tool in curl jq; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "mr-note: needs the $tool program (apt-get install $tool)" >&2; exit 1; }
done
: "${ISSUEGRAPH_NOTE_TOKEN:?mr-note: ISSUEGRAPH_NOTE_TOKEN is not set (a token with the api scope)}"
: "${CI_API_V4_URL:?mr-note: not in a GitLab CI job (CI_API_V4_URL unset)}"
: "${CI_PROJECT_ID:?mr-note: CI_PROJECT_ID unset}"
: "${CI_MERGE_REQUEST_IID:?mr-note: not a merge-request pipeline (CI_MERGE_REQUEST_IID unset)}"

marker='<!-- issuegraph-report: this note is updated in place by the CI job -->'
notes="$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID/notes"
max_body=1000000 # GitLab's limit on a note

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The token goes in a header file (mode 600), not on curl's command line
# where other processes could read it.
(umask 077 && printf 'PRIVATE-TOKEN: %s\n' "$ISSUEGRAPH_NOTE_TOKEN" >"$work/auth")

api() { # METHOD URL [curl args...]: body to $work/body, headers to $work/headers
	local method=$1 url=$2
	shift 2
	local retry=()
	[ "$method" = GET ] && retry=(--retry 3) # never repeat a write
	curl -sS --fail-with-body --max-time 60 "${retry[@]}" --proto =https,http \
		-X "$method" -H @"$work/auth" -D "$work/headers" -o "$work/body" "$@" "$url" || {
		echo "mr-note: $method ${url%%\?*} failed: $(head -c 300 "$work/body" 2>/dev/null)" >&2
		return 1
	}
}

# Who we are: only our own note is ours to update.
api GET "$CI_API_V4_URL/user"
me=$(jq -r '.id // empty' "$work/body")
case $me in
'' | *[!0-9]*) echo "mr-note: GET /user named no user id" >&2; exit 1 ;;
esac

# Find our note: the first one holding the marker whose author is us (at
# most 50 pages).
note=""
page=1
while [ -n "$page" ] && [ "$page" -le 50 ]; do
	api GET "$notes?per_page=100&page=$page&sort=asc&order_by=created_at"
	note=$(jq -r --arg m "$marker" --argjson me "$me" \
		'[.[] | select(((.body // "") | contains($m)) and (.author.id? == $me)) | .id][0] // empty' \
		"$work/body")
	[ -n "$note" ] && break
	page=$(awk -F': *' 'tolower($1) == "x-next-page" { gsub(/\r/, "", $2); print $2 }' \
		"$work/headers")
done

# The note's body: the marker, then the report (cut to GitLab's limit).
head -c $((max_body - ${#marker} - 200)) "$report" |
	jq -Rs --arg m "$marker" '{body: ($m + "\n\n" + .)}' >"$work/payload"

if [ -n "$note" ]; then
	api PUT "$notes/$note" -H 'Content-Type: application/json' --data-binary @"$work/payload"
	echo "mr-note: updated note $note on merge request !$CI_MERGE_REQUEST_IID" >&2
else
	api POST "$notes" -H 'Content-Type: application/json' --data-binary @"$work/payload"
	echo "mr-note: created note $(jq -r .id "$work/body") on merge request !$CI_MERGE_REQUEST_IID" >&2
fi
