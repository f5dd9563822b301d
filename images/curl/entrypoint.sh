#!/bin/sh
# Run curl with the given arguments, or the given command if it names one.
set -e
if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ] || ! command -v "$1" >/dev/null 2>&1; then
  set -- curl "$@"
fi
exec "$@"
