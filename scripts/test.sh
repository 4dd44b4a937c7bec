#!/usr/bin/env bash
# The one command that installs dependencies, builds, and runs every test
# against a private, throwaway PostgreSQL cluster.
# Extra arguments go to ctest, e.g. `scripts/test.sh -R e2e`.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
BUILD=$ROOT/build
# Separate from the dev cluster (.pg/dev) so tests never touch dev data.
PG_DIR=$ROOT/.pg/test
pg() { INVOICEHUB_PG_DIR=$PG_DIR bash "$ROOT/scripts/pg.sh" "$@"; }

bash "$ROOT/scripts/bootstrap.sh"

cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithAsserts}"
cmake --build "$BUILD" -j "$(nproc)"

# Set before starting, so a half-started cluster is stopped too. Bash runs the
# EXIT trap on normal exit and on errexit; INT/TERM are turned into exits so
# Ctrl-C or a CI cancel also stops the cluster.
trap 'pg stop || true' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

url=$(pg start | tail -n 1)
export INVOICEHUB_TEST_DATABASE_URL=$url
echo "test.sh: INVOICEHUB_TEST_DATABASE_URL=$url" >&2

# --no-tests=error: a build that registers no tests must not pass as green.
status=0
ctest --test-dir "$BUILD" --output-on-failure --no-tests=error -j 2 --timeout 600 "$@" || status=$?
exit "$status"
