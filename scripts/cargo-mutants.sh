#!/usr/bin/env bash
# cargo-mutants on the pure modules (.cargo/mutants.toml lists the files and the exclusions, each with
# its reason), judged by the pure tests (unit tests, tests/loader.rs, tests/docs_examples.rs).
# Installs cargo-mutants from crates.io if it is missing.
#   bash scripts/cargo-mutants.sh                        # every file in .cargo/mutants.toml
#   bash scripts/cargo-mutants.sh src/check/table.rs     # only these files (must be listed there)
#   bash scripts/cargo-mutants.sh --list                 # count the mutants without building anything
# Arguments ending in .rs pick files; the rest go to `cargo mutants` as they are (e.g. --output DIR).
# Results: mutants.out/ (caught.txt, missed.txt, unviable.txt, timeout.txt, outcomes.json); counts and
# the reason for each missed mutant that is kept: docs/kill-matrix.md.
#
# It builds in a copy of the tree (never mutating your working files) but with your CARGO_TARGET_DIR,
# so the compiled dependencies are reused and only this crate is rebuilt per mutant (cargo-mutants
# leaves RUSTFLAGS alone unless --cap-lints is given, so the dependencies' fingerprints still match).
# While it runs, do not build this crate in the same target dir: cargo keys the copy's build and your
# tree's build the same (package-relative paths, judged by mtime), so one can be taken for the other
# and a mutant tested on unmutated code. Use another CARGO_TARGET_DIR for your own builds meanwhile.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! cargo mutants --version >/dev/null 2>&1; then
  echo "== installing cargo-mutants from crates.io (once)" >&2
  cargo install --locked cargo-mutants
fi

# `--file` would be added to the config's examine_globs (a union), so a subset is picked with a name
# regex instead: a mutant's name starts with its file's path.
files=() args=()
for a in "$@"; do
  case "$a" in
    *.rs) files+=("$(printf '%s' "${a#./}" | sed 's/[.]/\\./g')") ;;
    *) args+=("$a") ;;
  esac
done
if [ "${#files[@]}" -gt 0 ]; then
  args+=(--re "^($(IFS='|'; echo "${files[*]}")):")
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
echo "== cargo mutants $(cargo mutants --version | awk '{print $2}'), target dir $CARGO_TARGET_DIR" >&2
# --list: the mutants (stdout), then how many per file and in all (stderr), so a glob that names no
# file, or a file that moved, shows up as a missing or zero line.
for a in "${args[@]}"; do
  if [ "$a" = --list ]; then
    list="$(cargo mutants --no-shuffle "${args[@]}")"
    printf '%s\n' "$list"
    { printf '%s\n' "$list" | grep -v '^$' | cut -d: -f1 | sort | uniq -c
      printf '%7d mutants in all\n' "$(printf '%s\n' "$list" | grep -vc '^$' || true)"; } >&2
    exit 0
  fi
done
# nice: a mutant is a rebuild of this crate; leave the machine usable for everyone else on it
exec nice -n 10 cargo mutants --no-shuffle "${args[@]}"
