#!/usr/bin/env bash
# Runs every TestFarm test assembly and ends with one line "N passed, N failed, N skipped"
# summed over all of them (read from the TRX files the runner writes, never guessed).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh || { echo "dependency install failed"; echo "0 passed, 1 failed"; exit 1; }

results=.artifacts/test-results
rm -rf "$results"; mkdir -p "$results"

# A throw-away PostgreSQL cluster on 127.0.0.1 for the storage tests, stopped on exit.
pgdir=$(mktemp -d /tmp/testfarm-pg.XXXXXX); chown postgres "$pgdir"
pgport=$(( 20000 + RANDOM % 20000 ))
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
if runuser -u postgres -- "$pgbin/initdb" -D "$pgdir/data" -A trust -U postgres >/dev/null \
   && runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdir/data" -o "-p $pgport -k $pgdir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" -l "$pgdir/log" -w start >/dev/null; then
  echo "==> postgresql: throw-away cluster on 127.0.0.1:$pgport"
  export TESTFARM_POSTGRES="Host=127.0.0.1;Port=$pgport;Username=postgres;Database=postgres"
  export TESTFARM_PG_BIN="$pgbin"
  trap 'runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1; rm -rf "$pgdir"' EXIT
else
  echo "==> postgresql: could not start a throw-away cluster (see $pgdir/log)"
fi

echo "==> build"
if ! dotnet build TestFarm.sln -c Release -warnaserror -nologo -v q; then
  echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi

echo "==> test"
dotnet test TestFarm.sln -c Release --no-build --nologo -v q \
  --logger "trx" --results-directory "$results" --blame-hang-timeout 6m -- NUnit.NumberOfTestWorkers=2
status=$?

sum() { grep -ho "<Counters [^>]*" "$results"/*.trx 2>/dev/null | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' | awk '{s+=$1} END {print s+0}'; }
trx=$(ls "$results"/*.trx 2>/dev/null | wc -l)
projects=$(ls -d tests/*.Tests | wc -l)
passed=$(sum passed); failed=$(( $(sum failed) + $(sum error) + $(sum timeout) + $(sum aborted) ))
skipped=$(sum notExecuted)
if [ "$trx" -lt "$projects" ]; then
  echo "only $trx of $projects test assemblies wrote results"
  failed=$(( failed + projects - trx ))
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; echo "the test runner failed (exit $status)"; fi
# The failed tests again, just above the summary, where the end of a long log still shows them.
[ "$failed" -eq 0 ] || python3 scripts/trx-failures.py "$results"/*.trx
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
