#!/usr/bin/env bash
# The demo: installs what is missing, builds, starts a private PostgreSQL
# cluster, the bill-pay sandbox and invoicehub-server, creates (or reuses) a
# demo company linked to a sandbox bill-pay account, prints grpcurl and curl
# commands to paste, and stops everything cleanly on Ctrl-C.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD="$ROOT/build"
STATE="$ROOT/.dev"              # demo keys and the server log
GRPC_LISTEN=${INVOICEHUB_GRPC_LISTEN:-127.0.0.1:50051}
HTTP_LISTEN=${INVOICEHUB_HTTP_LISTEN:-127.0.0.1:8080}
BILLPAY_LISTEN=${BILLPAY_SANDBOX_LISTEN:-127.0.0.1:9100}
BILLPAY="http://$BILLPAY_LISTEN"
export INVOICEHUB_PG_DIR=${INVOICEHUB_PG_DIR:-$ROOT/.pg/dev}

bash "$ROOT/scripts/bootstrap.sh"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithAsserts}" >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target invoicehub-server invoicehub-call billpay-sandbox

mkdir -p "$STATE"
chmod 700 "$STATE"
SERVER_PID=""
SANDBOX_PID=""
stop_process() {  # pid, name
  if [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; then
    echo "dev: stopping $2" >&2
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}
cleanup() {
  trap - EXIT INT TERM
  stop_process "$SERVER_PID" invoicehub-server
  stop_process "$SANDBOX_PID" billpay-sandbox
  bash "$ROOT/scripts/pg.sh" stop >&2 || true
}
# Waits for a process's own ready line in its log: a port answering could
# belong to another process (an earlier run still going, say).
wait_ready() {  # pid, log, ready text, name, listen addresses
  for _ in $(seq 1 150); do
    if grep -q "$3" "$2"; then return 0; fi
    if ! kill -0 "$1" 2>/dev/null; then
      echo "dev: $4 exited (is $5 in use?); its log:" >&2
      cat "$2" >&2
      exit 1
    fi
    sleep 0.2
  done
  echo "dev: $4 not ready; see $2" >&2
  exit 1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

DATABASE_URL=$(bash "$ROOT/scripts/pg.sh" start | tail -n 1)

# The operator key lives only in this private folder, made once.
if [[ ! -s "$STATE/operator_key" ]]; then
  (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$STATE/operator_key")
fi
OPERATOR_KEY=$(cat "$STATE/operator_key")
# The master key seals bill-pay secrets in the database (BP-6).
if [[ ! -s "$STATE/master_key" ]]; then
  (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$STATE/master_key")
fi

# The bill-pay sandbox keeps its accounts, invoices and payments in a state
# file, so a second run finds the demo account again.
"$BUILD/integrations/billpay/sandbox/billpay-sandbox" --listen="$BILLPAY_LISTEN" \
  --state_file="$STATE/billpay-sandbox.json" > "$STATE/billpay-sandbox.log" 2>&1 &
SANDBOX_PID=$!
wait_ready "$SANDBOX_PID" "$STATE/billpay-sandbox.log" 'billpay-sandbox ready' billpay-sandbox "$BILLPAY_LISTEN"

INVOICEHUB_DATABASE_URL="$DATABASE_URL" INVOICEHUB_OPERATOR_KEY="$OPERATOR_KEY" \
  INVOICEHUB_MASTER_KEY="$(cat "$STATE/master_key")" INVOICEHUB_PAYMENT_IMPORT_INTERVAL_SECONDS=10 \
  "$BUILD/server/invoicehub-server" --grpc_listen="$GRPC_LISTEN" --http_listen="$HTTP_LISTEN" \
  > "$STATE/server.log" 2>&1 &
SERVER_PID=$!
wait_ready "$SERVER_PID" "$STATE/server.log" 'invoicehub-server ready' invoicehub-server "$GRPC_LISTEN or $HTTP_LISTEN"

CALL="$BUILD/tools/invoicehub-call"
json_field() { sed -n "s/^ *\"$1\": \"\\(.*\\)\",\\{0,1\\}\$/\\1/p" | head -n 1; }

# Reuse the demo company of an earlier run if its key still works.
ADMIN_KEY=""
if [[ -s "$STATE/demo_admin_key" ]]; then
  ADMIN_KEY=$(cat "$STATE/demo_admin_key")
  "$CALL" -plaintext -H "authorization: Bearer $ADMIN_KEY" "$GRPC_LISTEN" \
    invoicehub.v1.AdminService/GetCompany >/dev/null 2>&1 || ADMIN_KEY=""
fi
if [[ -z "$ADMIN_KEY" ]]; then
  ADMIN_KEY=$("$CALL" -plaintext -H "authorization: Bearer $OPERATOR_KEY" -d '{
      "company": {"display_name": "Demo Company AG", "time_zone": "Europe/Zurich",
                  "default_currency_code": "CHF", "invoice_number_prefix": "INV-"}}' \
    "$GRPC_LISTEN" invoicehub.v1.AdminService/CreateCompany | json_field adminKeySecret)
  [[ -n "$ADMIN_KEY" ]] || { echo "dev: could not create the demo company" >&2; exit 1; }
  (umask 077 && printf '%s' "$ADMIN_KEY" > "$STATE/demo_admin_key")
fi

AUTH="authorization: Bearer $ADMIN_KEY"
COMPANY_ID=$("$CALL" -plaintext -H "$AUTH" "$GRPC_LISTEN" invoicehub.v1.AdminService/GetCompany | json_field id)

# BP-6: the demo company's own bill-pay account in the sandbox, made once.
if ! "$CALL" -plaintext -H "$AUTH" "$GRPC_LISTEN" invoicehub.v1.SyncService/GetBillPayAccount >/dev/null 2>&1; then
  ACCOUNT=$(curl -fsS -X POST "$BILLPAY/sandbox/accounts" -H 'Content-Type: application/json' \
    -d '{"name": "Demo Company AG", "webhook_url": "http://'"$HTTP_LISTEN"'/webhooks/billpay/'"$COMPANY_ID"'"}')
  "$CALL" -plaintext -H "$AUTH" -d '{"base_url": "'"$BILLPAY"'", "enabled": true,
      "api_key": "'"$(jq -r .api_key <<<"$ACCOUNT")"'", "webhook_secret": "'"$(jq -r .webhook_secret <<<"$ACCOUNT")"'"}' \
    "$GRPC_LISTEN" invoicehub.v1.SyncService/SetBillPayAccount >/dev/null
fi

# A demo customer, so the printed invoice command runs as it is.
CUSTOMER_ID=$("$CALL" -plaintext -H "$AUTH" -d '{"page_size": 1, "email": "ap@acme.example"}' \
  "$GRPC_LISTEN" invoicehub.v1.CustomerService/ListCustomers | json_field id)
if [[ -z "$CUSTOMER_ID" ]]; then
  CUSTOMER_ID=$("$CALL" -plaintext -H "$AUTH" -d '{"customer": {"display_name": "Acme AG",
      "email": "ap@acme.example", "payment_terms_days": 30,
      "billing_address": {"address_lines": ["Bahnhofstrasse 1"], "locality": "Zürich", "region_code": "CH"}}}' \
    "$GRPC_LISTEN" invoicehub.v1.CustomerService/CreateCustomer | json_field id)
fi

# A demo FINAL invoice, so the printed PDF, email and payment commands run as they are.
INVOICE_ID=$("$CALL" -plaintext -H "$AUTH" -d '{"page_size": 1, "customer_id": "'"$CUSTOMER_ID"'",
    "state": "INVOICE_STATE_FINAL"}' "$GRPC_LISTEN" invoicehub.v1.InvoiceService/ListInvoices | json_field id)
if [[ -z "$INVOICE_ID" ]]; then
  INVOICE_ID=$("$CALL" -plaintext -H "$AUTH" -d '{"customer_id": "'"$CUSTOMER_ID"'", "po_number": "PO-1000",
      "lines": [{"description": "Onboarding workshop", "quantity": "2", "unit_price": {"minor_units": "90000"},
                 "tax_rate_percent": "8.1"}]}' \
    "$GRPC_LISTEN" invoicehub.v1.InvoiceService/CreateInvoice | json_field id)
  "$CALL" -plaintext -H "$AUTH" -d '{"invoice_id": "'"$INVOICE_ID"'", "version": "1"}' \
    "$GRPC_LISTEN" invoicehub.v1.InvoiceService/FinalizeInvoice >/dev/null
fi

# BP-4: bill-pay answers with the Pay Now URL within a moment.
PAY_NOW_URL=""
for _ in $(seq 1 50); do
  PAY_NOW_URL=$("$CALL" -plaintext -H "$AUTH" -d '{"invoice_id": "'"$INVOICE_ID"'"}' \
    "$GRPC_LISTEN" invoicehub.v1.InvoiceService/GetInvoice | json_field payNowUrl)
  [[ -n "$PAY_NOW_URL" ]] && break
  sleep 0.2
done
[[ -n "$PAY_NOW_URL" ]] || echo "dev: no Pay Now URL yet; see SyncService/ListSyncEvents below" >&2

cat <<MSG

Invoicehub is running.
  gRPC     $GRPC_LISTEN  (plaintext, reflection on)
  HTTP     http://$HTTP_LISTEN/healthz  http://$HTTP_LISTEN/readyz
  database $DATABASE_URL
  logs     $STATE/server.log  $STATE/billpay-sandbox.log

The demo invoice's Pay Now URL (open it in a browser): $PAY_NOW_URL

Demo company admin key (also in $STATE/demo_admin_key):
  export KEY=$ADMIN_KEY
Operator key (creates companies; in $STATE/operator_key):
  export OPERATOR_KEY=$OPERATOR_KEY

Paste these (grpcurl, or the same arguments to $CALL):

  grpcurl -plaintext $GRPC_LISTEN list

  grpcurl -plaintext -H "authorization: Bearer \$KEY" $GRPC_LISTEN invoicehub.v1.AdminService/GetCompany

  grpcurl -plaintext -H "authorization: Bearer \$KEY" -d '{"customer": {"display_name": "Globex GmbH",
    "email": "billing@globex.example", "payment_terms_days": 14, "currency_code": "EUR"}}' \\
    $GRPC_LISTEN invoicehub.v1.CustomerService/CreateCustomer

  grpcurl -plaintext -H "authorization: Bearer \$KEY" -d '{"name_contains": "acme"}' \\
    $GRPC_LISTEN invoicehub.v1.CustomerService/ListCustomers

  grpcurl -plaintext -H "authorization: Bearer \$KEY" -d '{"customer_id": "$CUSTOMER_ID", "po_number": "PO-4711",
    "lines": [{"description": "Consulting", "quantity": "1.5",
               "unit_price": {"currency_code": "CHF", "minor_units": "15000"}, "tax_rate_percent": "8.1"}],
    "request_id": "demo-invoice-1"}' \\
    $GRPC_LISTEN invoicehub.v1.InvoiceService/CreateInvoice

  grpcurl -plaintext -H "authorization: Bearer \$KEY" -d '{"page_size": 10}' \\
    $GRPC_LISTEN invoicehub.v1.InvoiceService/ListInvoices

  grpcurl -plaintext -H "authorization: Bearer \$KEY" -d '{"invoice_id": "$INVOICE_ID"}' \\
    $GRPC_LISTEN invoicehub.v1.InvoiceService/GetInvoicePdf | jq -r .data | base64 -d > invoice.pdf

  grpcurl -plaintext -H "authorization: Bearer \$KEY" -d '{"invoice_id": "$INVOICE_ID"}' \\
    $GRPC_LISTEN invoicehub.v1.InvoiceService/RenderInvoiceEmail

  grpcurl -plaintext -H "authorization: Bearer \$KEY" -d '{"customer_id": "$CUSTOMER_ID",
    "amount": {"currency_code": "CHF", "minor_units": "50000"}, "method": "PAYMENT_METHOD_WIRE",
    "allocations": [{"invoice_id": "$INVOICE_ID", "amount": {"minor_units": "40000"}}],
    "request_id": "demo-payment-1"}' \\
    $GRPC_LISTEN invoicehub.v1.PaymentService/RecordPayment

  grpcurl -plaintext -H "authorization: Bearer \$KEY" -d '{"customer_id": "$CUSTOMER_ID"}' \\
    $GRPC_LISTEN invoicehub.v1.PaymentService/ListPrepayments

  grpcurl -plaintext -H "authorization: Bearer \$KEY" $GRPC_LISTEN invoicehub.v1.AdminService/CheckLedger

Bill-pay: the payer pays the demo invoice in the sandbox; the signed webhook
records the payment here (GetInvoice shows the outstanding drop):

  curl -s -X POST $BILLPAY/sandbox/pay -H 'Content-Type: application/json' \\
    -d '{"items": [{"pay_now_url": "$PAY_NOW_URL", "amount": 20000}]}'

  grpcurl -plaintext -H "authorization: Bearer \$KEY" -d '{"invoice_id": "$INVOICE_ID"}' \\
    $GRPC_LISTEN invoicehub.v1.InvoiceService/GetInvoice

  grpcurl -plaintext -H "authorization: Bearer \$KEY" -d '{"page_size": 20}' \\
    $GRPC_LISTEN invoicehub.v1.SyncService/ListSyncEvents

  grpcurl -plaintext -H "authorization: Bearer \$KEY" $GRPC_LISTEN invoicehub.v1.PaymentService/ImportPayments

Ctrl-C stops the server, the bill-pay sandbox and the database.
MSG

wait "$SERVER_PID"
