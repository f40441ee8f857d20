#!/bin/sh
# Writes a fresh credproxy auth token into each FILE that does not exist yet: 64 hex characters
# (32 random bytes), no trailing newline (a newline breaks every AWS SDK), mode 0600.
#
#   tooling/new-token.sh [--owner UID:GID] [--force] FILE...
#
#   --owner UID:GID  chown the files (needs root), e.g. 1338:1338 for the credproxy image's user
#   --force          replace files that already exist (rotates the token)
#
# POSIX sh and /dev/urandom only: no openssl needed.
set -eu

owner=''
force=0
while [ $# -gt 0 ]; do
  case "$1" in
    --owner) owner="${2:?--owner needs UID:GID}"; shift 2 ;;
    --force) force=1; shift ;;
    --) shift; break ;;
    -*) echo "unknown option: $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
if [ $# -eq 0 ]; then
  echo "usage: $0 [--owner UID:GID] [--force] FILE..." >&2
  exit 2
fi

umask 077
for file in "$@"; do
  if [ -e "$file" ] && [ "$force" -eq 0 ]; then
    echo "kept $file (exists; --force replaces it)"
    continue
  fi
  mkdir -p "$(dirname "$file")"
  # Write beside the target and rename, so a reader never sees a half-written token.
  tmp="$file.tmp.$$"
  od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$tmp"
  chmod 600 "$tmp"
  if [ -n "$owner" ]; then chown "$owner" "$tmp"; fi
  mv -f "$tmp" "$file"
  echo "wrote $file"
done
