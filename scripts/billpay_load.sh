#!/usr/bin/env bash
# Measures how fast finalized invoices reach bill-pay through the outbox.
# Starts its own PostgreSQL cluster (.pg/load, emptied first), bill-pay
# sandbox and invoicehub-server on ports that dev.sh does not use, makes a
# company linked to a new sandbox account, CUSTOMERS customers and N draft
# invoices, finalizes them with C parallel callers and times:
#   - the finalize calls, as the callers see them;
#   - from the first finalize until no sync event is PENDING (all SYNCED),
#     which gives invoices sent to bill-pay per second, end to end.
# It then checks that the sandbox holds exactly the N invoices and one
# customer per customer (BP-1, BP-3), prints a table and PASS or FAIL, and
# stops everything it started.
#
#   scripts/billpay_load.sh [invoices=300] [clients=4]
#
# Environment:
#   SYNC_THREADS   the server's --sync_threads (default 2)
#   LATENCY_MS     > 0 adds a second round, with a new company, in which the
#                  sandbox delays each /v1 call by a random 0..LATENCY_MS
#   BACKLOG        1: finalize with dispatch off (the server runs with
#                  --sync_threads=0), then restart it with SYNC_THREADS and
#                  time the drain: dispatch alone, without the finalizes
#   CUSTOMERS      customers per round (default 10)
#   KEEP_LOGS      1: keep the server and sandbox logs (kept anyway on FAIL)
#   BUILD          build folder (default <repo>/build; built when a binary is missing)
#   LOAD_GRPC_LISTEN, LOAD_HTTP_LISTEN, LOAD_SANDBOX_LISTEN
#                  default 127.0.0.1:50151, :8181, :9201
# Results: docs/performance.md, "Bill-pay outbox throughput".
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
INVOICES=${1:-300}
CLIENTS=${2:-4}
SYNC_THREADS=${SYNC_THREADS:-2}
LATENCY_MS=${LATENCY_MS:-0}
BACKLOG=${BACKLOG:-0}
CUSTOMERS=${CUSTOMERS:-10}
KEEP_LOGS=${KEEP_LOGS:-0}
GRPC_LISTEN=${LOAD_GRPC_LISTEN:-127.0.0.1:50151}
HTTP_LISTEN=${LOAD_HTTP_LISTEN:-127.0.0.1:8181}
SANDBOX_LISTEN=${LOAD_SANDBOX_LISTEN:-127.0.0.1:9201}
SANDBOX="http://$SANDBOX_LISTEN"
DRAIN_LIMIT_SECONDS=600
export INVOICEHUB_PG_DIR=$ROOT/.pg/load

die() { echo "billpay_load: $*" >&2; exit 1; }
note() { echo "billpay_load: $*" >&2; }
is_count() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }
is_count "$INVOICES" || die "invoices must be a positive number, not '$INVOICES'"
is_count "$CLIENTS" || die "clients must be a positive number, not '$CLIENTS'"
is_count "$CUSTOMERS" || die "CUSTOMERS must be a positive number, not '$CUSTOMERS'"
if [[ ! $SYNC_THREADS =~ ^[0-9]+$ ]] || ((SYNC_THREADS < 1)); then die "SYNC_THREADS must be at least 1 (0 sends nothing)"; fi
[[ $LATENCY_MS =~ ^[0-9]+$ ]] || die "LATENCY_MS must be a number of milliseconds"
[[ $BACKLOG == 0 || $BACKLOG == 1 ]] || die "BACKLOG must be 0 or 1"

bash "$ROOT/scripts/bootstrap.sh" >&2
SERVER_BIN=$BUILD/server/invoicehub-server
CALL=$BUILD/tools/invoicehub-call
SANDBOX_BIN=$BUILD/integrations/billpay/sandbox/billpay-sandbox
if [[ ! -x $SERVER_BIN || ! -x $CALL || ! -x $SANDBOX_BIN ]]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithAsserts}" >/dev/null
  cmake --build "$BUILD" -j "$(nproc)" --target invoicehub-server invoicehub-call billpay-sandbox
fi

# Only the port matters: a listener on any address of it would take our calls.
port_is_free() {
  local port=${1##*:}
  if command -v ss >/dev/null; then
    [[ -z $(ss -Hltn "sport = :$port" 2>/dev/null) ]]
  elif timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then
    return 1
  fi
}
for listen in "$GRPC_LISTEN" "$HTTP_LISTEN" "$SANDBOX_LISTEN"; do
  port_is_free "$listen" || die "$listen is in use (set LOAD_GRPC_LISTEN, LOAD_HTTP_LISTEN or LOAD_SANDBOX_LISTEN)"
done

LOGS=$(mktemp -d /tmp/invoicehub-billpay-load.XXXXXX)
SERVER_PID=""
SANDBOX_PID=""
PASSED=0
stop_process() {  # pid, name
  if [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; then
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}
cleanup() {
  trap - EXIT INT TERM
  stop_process "$SERVER_PID" invoicehub-server
  stop_process "$SANDBOX_PID" billpay-sandbox
  bash "$ROOT/scripts/pg.sh" stop >/dev/null 2>&1 || true
  if ((PASSED)) && [[ $KEEP_LOGS != 1 ]]; then rm -rf "$LOGS"; else note "logs kept in $LOGS"; fi
}
# A process's own ready line, not just an answering port (see dev.sh).
wait_ready() {  # pid, log, ready text, name
  for _ in $(seq 1 600); do
    if grep -q "$3" "$2" 2>/dev/null; then return 0; fi
    kill -0 "$1" 2>/dev/null || { cat "$2" >&2; die "$4 exited; its log is above"; }
    sleep 0.05
  done
  die "$4 not ready; see $2"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

random_hex() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
now() { date +%s.%N; }
# a / b with 2 decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# Every run starts from an empty database: rows left by an interrupted run
# would otherwise be dispatched (and refused) alongside the measured ones.
DATABASE_URL=$(bash "$ROOT/scripts/pg.sh" start 2>"$LOGS/pg.log" | tail -n 1)
[[ -n $DATABASE_URL ]] || { cat "$LOGS/pg.log" >&2; die "PostgreSQL did not start"; }
PSQL=${INVOICEHUB_PG_BIN:-/usr/lib/postgresql/15/bin}/psql
"$PSQL" -X -q -v ON_ERROR_STOP=1 -d "${DATABASE_URL/\/invoicehub\?/\/postgres?}" \
  -c 'DROP DATABASE IF EXISTS invoicehub WITH (FORCE)' -c 'CREATE DATABASE invoicehub' >/dev/null

# No state file: the sandbox starts empty and never writes to disk.
"$SANDBOX_BIN" --listen="$SANDBOX_LISTEN" > "$LOGS/billpay-sandbox.log" 2>&1 &
SANDBOX_PID=$!
wait_ready "$SANDBOX_PID" "$LOGS/billpay-sandbox.log" 'billpay-sandbox ready' billpay-sandbox

# Fresh keys per run, passed in the environment so they do not show in ps.
# The payment import is off: nothing is paid, and it would only add calls.
OPERATOR_KEY=$(random_hex)
MASTER_KEY=$(random_hex)
SERVER_STARTS=0
start_server() {  # sync threads
  SERVER_STARTS=$((SERVER_STARTS + 1))
  local log=$LOGS/server-$SERVER_STARTS.log
  INVOICEHUB_DATABASE_URL="$DATABASE_URL" INVOICEHUB_OPERATOR_KEY="$OPERATOR_KEY" INVOICEHUB_MASTER_KEY="$MASTER_KEY" \
    "$SERVER_BIN" --grpc_listen="$GRPC_LISTEN" --http_listen="$HTTP_LISTEN" \
    --sync_threads="$1" --payment_import_interval_seconds=0 > "$log" 2>&1 &
  SERVER_PID=$!
  wait_ready "$SERVER_PID" "$log" 'invoicehub-server ready' invoicehub-server
}
restart_server() {  # sync threads
  stop_process "$SERVER_PID" invoicehub-server
  SERVER_PID=""
  start_server "$1"
}
start_server "$SYNC_THREADS"

call() {  # auth key, method, request JSON
  "$CALL" -plaintext -H "authorization: Bearer $1" -d "$3" "$GRPC_LISTEN" "invoicehub.v1.$2"
}
sandbox_faults() {  # JSON
  curl -fsS -X PUT "$SANDBOX/sandbox/faults" -H 'Content-Type: application/json' -d "$1" >/dev/null
}

# Every page of a list call, one JSON answer per line.
all_pages() {  # key, method, request JSON without page_token
  local token="" page
  while :; do
    page=$(call "$1" "$2" "$(jq -c --arg t "$token" '. + {page_size: 500, page_token: $t}' <<<"$3")")
    jq -c . <<<"$page"
    token=$(jq -r '.nextPageToken // ""' <<<"$page")
    [[ -n $token ]] || break
  done
}

ROWS=()
row() { printf '%-6s %7s %9s %7s %10s %10s %7s %7s %6s %6s %6s  %-14s  %s\n' "$@"; }
FAILURES=0

# One round: a new company and sandbox account, so each round's customers
# are new to bill-pay, and the check looks at that account alone.
run_round() {  # name, latency_ms
  local name=$1 latency=$2 key company account account_id
  note "round '$name': company, bill-pay account, $CUSTOMERS customers, $INVOICES drafts"
  key=$(call "$OPERATOR_KEY" AdminService/CreateCompany '{"company": {"display_name": "Load '"$name"' AG",
      "time_zone": "Europe/Zurich", "default_currency_code": "CHF", "invoice_number_prefix": "LD-"}}' |
    jq -r '.adminKeySecret // ""')
  [[ -n $key ]] || die "could not create a company"
  company=$(call "$key" AdminService/GetCompany '{}' | jq -r .id)
  account=$(curl -fsS -X POST "$SANDBOX/sandbox/accounts" -H 'Content-Type: application/json' \
    -d '{"name": "Load '"$name"' AG", "webhook_url": "http://'"$HTTP_LISTEN"'/webhooks/billpay/'"$company"'"}')
  account_id=$(jq -r .account_id <<<"$account")
  call "$key" SyncService/SetBillPayAccount "$(jq -c --arg url "$SANDBOX" \
    '{base_url: $url, enabled: true, api_key: .api_key, webhook_secret: .webhook_secret}' <<<"$account")" >/dev/null

  local customers=() i
  for ((i = 1; i <= CUSTOMERS; i++)); do
    customers+=("$(call "$key" CustomerService/CreateCustomer '{"customer": {"display_name": "Customer '"$i"'",
        "email": "ap'"$i"'@load.example", "payment_terms_days": 30}}' | jq -r .id)")
  done
  # Invoices go to the customers in turn, so every customer with one is sent.
  local billed_customers=$((INVOICES < CUSTOMERS ? INVOICES : CUSTOMERS))

  # Drafts in parallel too (not measured); their ids come from the list.
  for ((i = 1; i <= INVOICES; i++)); do
    printf '{"customer_id": "%s", "po_number": "PO-%d", "request_id": "load-%s-%d", "lines": [{"description": "%s", %s}]}\n' \
      "${customers[$(((i - 1) % CUSTOMERS))]}" "$i" "$name" "$i" Consulting \
      '"quantity": "1", "unit_price": {"minor_units": "'$((10000 + i))'"}, "tax_rate_percent": "8.1"'
  done | xargs -d '\n' -P "$CLIENTS" -I{} "$CALL" -plaintext -H "authorization: Bearer $key" -d {} \
    "$GRPC_LISTEN" invoicehub.v1.InvoiceService/CreateInvoice >/dev/null 2>>"$LOGS/create.err" ||
    die "creating drafts failed; see $LOGS/create.err"
  local drafts=$LOGS/$name-drafts
  all_pages "$key" InvoiceService/ListInvoices '{"state": "INVOICE_STATE_DRAFT"}' | jq -r '.invoices[]?.id' > "$drafts"
  [[ $(wc -l < "$drafts") -eq $INVOICES ]] || die "expected $INVOICES drafts, found $(wc -l < "$drafts")"

  if ((latency > 0)); then sandbox_faults '{"latency_ms": '"$latency"'}'; fi
  # Backlog: the outbox fills with dispatch off, then a server with
  # SYNC_THREADS drains it, which times dispatch alone.
  if ((BACKLOG)); then restart_server 0; fi
  note "round '$name': finalizing $INVOICES invoices with $CLIENTS callers"
  local started finalized dispatching synced finalize_failed=0
  started=$(now)
  xargs -P "$CLIENTS" -I{} "$CALL" -plaintext -H "authorization: Bearer $key" -d '{"invoice_id": "{}", "version": "1"}' \
    "$GRPC_LISTEN" invoicehub.v1.InvoiceService/FinalizeInvoice < "$drafts" >/dev/null 2>>"$LOGS/finalize.err" ||
    finalize_failed=1
  finalized=$(now)
  dispatching=$started
  if ((BACKLOG)); then
    note "round '$name': draining the outbox with $SYNC_THREADS sync threads"
    restart_server "$SYNC_THREADS"
    dispatching=$(now)
  fi

  # Polled only after the last finalize: earlier, the outbox may be empty
  # for a moment while finalizes are still coming.
  local pending
  while :; do
    pending=$(call "$key" SyncService/ListSyncEvents '{"state": "SYNC_EVENT_STATE_PENDING", "page_size": 1}' |
      jq '.events // [] | length')
    ((pending == 0)) && break
    if awk -v a="$dispatching" -v b="$(now)" -v l="$DRAIN_LIMIT_SECONDS" 'BEGIN { exit !(b - a > l) }'; then
      note "round '$name': events still pending after ${DRAIN_LIMIT_SECONDS}s"
      break
    fi
    sleep 0.05
  done
  synced=$(now)
  if ((latency > 0)); then sandbox_faults '{"latency_ms": 0}'; fi
  local load
  load=$(load_average)

  # The server's own view, from each event's create_time (its finalize)
  # and update_time (synced): the span from the first finalize (backlog:
  # the first send) to the last send, and each send's lag after its finalize.
  local failed events
  failed=$(call "$key" SyncService/ListSyncEvents '{"state": "SYNC_EVENT_STATE_FAILED", "page_size": 1}' |
    jq '.events // [] | length')
  events=$(all_pages "$key" SyncService/ListSyncEvents '{"state": "SYNC_EVENT_STATE_SYNCED"}' |
    jq -s -c --argjson backlog "$BACKLOG" '
    def secs: capture("^(?<s>[^.Z]+)(?<f>\\.[0-9]+)?Z$")
      | (.s + "Z" | fromdateiso8601) + (if .f then ("0" + .f | tonumber) else 0 end);
    [.[].events[]? | select(.action == "send_invoice")
      | {c: (.createTime | secs), u: (.updateTime | secs)} | .lag = (.u - .c)] as $e
    | ($e | map(.lag) | sort) as $lags
    | {sent: ($e | length),
       span: (if ($e | length) == 0 then 0
              else ($e | map(.u) | max) - (if $backlog == 1 then ($e | map(.u) | min) else ($e | map(.c) | min) end) end),
       p50: (if ($lags | length) > 0 then $lags[($lags | length) / 2 | floor] else 0 end),
       max: ($lags | max // 0)}')

  # BP-1 and BP-3: exactly the finalized invoices are live in bill-pay, and
  # each customer was created there once.
  local seen
  seen=$(curl -fsS "$SANDBOX/sandbox/state" | jq -c --arg id "$account_id" '
    .accounts[] | select(.account_id == $id)
    | {live: ([.invoices[] | select(.status != "deleted")] | length),
       live_distinct: ([.invoices[] | select(.status != "deleted") | .external_id] | unique | length),
       customers: (.customers | length),
       customers_distinct: ([.customers[].external_id] | unique | length)}')
  local verdict=PASS problems=()
  ((finalize_failed == 0)) || problems+=("some finalize calls failed (see $LOGS/finalize.err)")
  ((pending == 0)) || problems+=("$pending+ events still pending")
  ((failed == 0)) || problems+=("events parked as FAILED")
  [[ $(jq .sent <<<"$events") -eq $INVOICES ]] || problems+=("$(jq .sent <<<"$events") send_invoice events synced")
  [[ $(jq .live <<<"$seen") -eq $INVOICES && $(jq .live_distinct <<<"$seen") -eq $INVOICES ]] ||
    problems+=("sandbox holds $(jq .live <<<"$seen") live invoices ($(jq .live_distinct <<<"$seen") distinct)")
  [[ $(jq .customers <<<"$seen") -eq $billed_customers && $(jq .customers_distinct <<<"$seen") -eq $billed_customers ]] ||
    problems+=("sandbox holds $(jq .customers <<<"$seen") customers ($(jq .customers_distinct <<<"$seen") distinct)")
  if ((${#problems[@]} > 0)); then
    verdict=FAIL
    FAILURES=$((FAILURES + 1))
    local problem
    for problem in "${problems[@]}"; do note "round '$name' FAIL: $problem"; done
  fi

  local calls_seconds all_seconds drain="-" p50="-" max="-"
  calls_seconds=$(elapsed "$started" "$finalized")
  all_seconds=$(elapsed "$dispatching" "$synced")
  if ((!BACKLOG)); then
    drain=$(elapsed "$finalized" "$synced")
    p50=$(jq '.p50 * 1000 | round' <<<"$events")
    max=$(jq '.max * 1000 | round' <<<"$events")
  fi
  ROWS+=("$(row "$name" "$SYNC_THREADS" "$latency" "$calls_seconds" \
    "$(ratio "$INVOICES" "$calls_seconds")" "$all_seconds" "$(ratio "$INVOICES" "$all_seconds")" "$drain" \
    "$(jq '.span * 100 | round / 100' <<<"$events")" "$p50" "$max" "$load" "$verdict")")
}

note "load average at start: $(load_average)"
run_round plain 0
if ((LATENCY_MS > 0)); then run_round slow "$LATENCY_MS"; fi

echo
echo "invoices=$INVOICES clients=$CLIENTS customers=$CUSTOMERS sync_threads=$SYNC_THREADS backlog=$BACKLOG cores=$(nproc)"
echo "  final_s, finalize/s: the $INVOICES finalize calls (one invoicehub-call process each), wall time and calls/s"
if ((BACKLOG)); then
  echo "  (backlog) finalized with dispatch off; all_sent_s: dispatch start until no event is pending (polled)"
  echo "  span_s: the server's timestamps, first send to last send"
else
  echo "  all_sent_s: first finalize until no sync event is pending (polled); sent/s end to end"
  echo "  drain_s: last finalize answered until all sent"
  echo "  span_s, p50_ms, max_ms: the server's timestamps, first finalize to last send; each send's lag after its finalize"
fi
echo
row round threads vendor_ms final_s finalize/s all_sent_s sent/s drain_s span_s p50_ms max_ms "load avg" check
printf '%s\n' "${ROWS[@]}"
echo
if ((FAILURES == 0)); then
  PASSED=1
  echo PASS
else
  echo FAIL
  exit 1
fi
