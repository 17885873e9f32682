#!/bin/sh
# A CI job written from the README: build, parse the JSON, verify, and tell a bad campaign
# (exit 2) from a refusal of the operating system (exit 74) by the exit code alone.
set -u
advocate="$1"; out="$2"; bad="$3"
"$advocate" -q build kazakhstan-2022 --formats txt -o "$out" --json > "$out.json" || exit 10
"$advocate" verify "$out" -q || exit 11
"$advocate" build "$bad" -o "$out-bad" --json > "$out-bad.json" 2>/dev/null
code=$?
[ "$code" -eq 2 ] || { echo "bad campaign: exit $code, not 2"; exit 12; }
"$advocate" letter kazakhstan-2022 --to president > /dev/full 2>/dev/null
code=$?
[ "$code" -eq 74 ] || { echo "full disk: exit $code, not 74"; exit 13; }
echo ci-ok
