-- Bill-pay: each company's account (BP-6), the links between our records and
-- bill-pay's (BP-3, BP-4, BP-8..BP-10), the outbox of what bill-pay must
-- learn (sync_events), and the inbox of what it told us (BP-12).

-- BP-6: one bill-pay account per company. The key and the webhook secret are
-- sealed with the server's master key (AES-256-GCM, bound to the company and
-- the field), so a database dump does not reveal them.
CREATE TABLE billpay_accounts (
  company_id            bigint  PRIMARY KEY REFERENCES companies (company_id),
  base_url              text    NOT NULL,
  api_key_sealed        bytea   NOT NULL,
  webhook_secret_sealed bytea   NOT NULL,
  api_key_hint          text    NOT NULL,  -- the last 4 characters, to tell keys apart
  enabled               boolean NOT NULL,
  version               bigint  NOT NULL DEFAULT 1,
  create_time           timestamptz NOT NULL,
  update_time           timestamptz NOT NULL
);

-- BP-3: our customers as bill-pay knows them.
CREATE TABLE billpay_customers (
  company_id          bigint NOT NULL,
  customer_id         bigint NOT NULL,
  billpay_customer_id text   NOT NULL,
  create_time         timestamptz NOT NULL,
  PRIMARY KEY (company_id, customer_id),
  UNIQUE (company_id, billpay_customer_id),
  FOREIGN KEY (company_id, customer_id) REFERENCES customers (company_id, customer_id)
);

-- BP-4, BP-9: every bill-pay invoice record made for one of our invoices. At
-- most one is live; a revert to DRAFT deletes it in bill-pay (live = false)
-- and the next finalize makes a new one with a new Pay Now URL.
CREATE TABLE billpay_invoices (
  company_id         bigint  NOT NULL,
  billpay_invoice_id text    NOT NULL,
  invoice_id         bigint  NOT NULL,
  pay_now_url        text    NOT NULL,
  live               boolean NOT NULL,
  create_time        timestamptz NOT NULL,
  delete_time        timestamptz,
  PRIMARY KEY (company_id, billpay_invoice_id),
  FOREIGN KEY (company_id, invoice_id) REFERENCES invoices (company_id, invoice_id),
  CHECK (live = (delete_time IS NULL))
);
CREATE UNIQUE INDEX billpay_invoices_live ON billpay_invoices (company_id, invoice_id) WHERE live;

-- BP-8, BP-10, BP-12: bill-pay payments and ours. 'payer' payments came from
-- bill-pay (webhook or import) and were recorded here once: the primary key
-- is what makes that exactly once. 'api' payments we made there ourselves
-- when a prepayment was applied (BP-8), against `invoice_id`.
CREATE TABLE billpay_payments (
  company_id         bigint  NOT NULL,
  billpay_payment_id text    NOT NULL,
  payment_id         bigint  NOT NULL,
  origin             text    NOT NULL CHECK (origin IN ('payer', 'api')),
  invoice_id         bigint  NOT NULL DEFAULT 0,
  live               boolean NOT NULL,
  create_time        timestamptz NOT NULL,
  delete_time        timestamptz,
  PRIMARY KEY (company_id, billpay_payment_id),
  FOREIGN KEY (company_id, payment_id) REFERENCES payments (company_id, payment_id),
  CHECK (live = (delete_time IS NULL))
);
CREATE INDEX billpay_payments_payment ON billpay_payments (company_id, payment_id);

-- The outbox. A change and the rows that tell bill-pay about it commit in
-- one transaction. Rows of one order_key ('invoice:<id>', 'payment:<id>') go
-- out in sync_event_id order: the invoice's row lock orders their
-- transactions, so ids within one key follow commit order. A dispatcher
-- claims a row with a lease (FOR UPDATE SKIP LOCKED), calls bill-pay with
-- idempotency keys 'ih-<company_id>-<sync_event_id>-r<retries>-<call>',
-- then marks it. A retried row gets new keys: bill-pay replays a refusal
-- stored under the old ones.
CREATE TABLE sync_events (
  company_id        bigint  NOT NULL,
  sync_event_id     bigint  GENERATED ALWAYS AS IDENTITY,
  order_key         text    NOT NULL,
  action            text    NOT NULL
    CHECK (action IN ('send_invoice', 'update_balance', 'delete_invoice', 'create_payment', 'delete_payment')),
  invoice_id        bigint  NOT NULL DEFAULT 0,
  payment_id        bigint  NOT NULL DEFAULT 0,
  amount_minor      bigint  NOT NULL DEFAULT 0,
  state             text    NOT NULL CHECK (state IN ('pending', 'synced', 'failed')),
  attempts          integer NOT NULL DEFAULT 0,  -- since it was last (re)queued; parked after N
  claims            integer NOT NULL DEFAULT 0,  -- every claim ever: fences a lease that ran out
  retries           integer NOT NULL DEFAULT 0,  -- RetrySyncEvent: part of the idempotency keys
  next_attempt_time timestamptz NOT NULL,
  lease_owner       text    NOT NULL DEFAULT '',
  lease_expire_time timestamptz,
  last_error        text    NOT NULL DEFAULT '',
  result            text    NOT NULL DEFAULT '',  -- what the last dispatch did
  create_time       timestamptz NOT NULL,
  update_time       timestamptz NOT NULL,
  PRIMARY KEY (company_id, sync_event_id)
);
CREATE INDEX sync_events_due ON sync_events (next_attempt_time, company_id, sync_event_id) WHERE state = 'pending';
CREATE INDEX sync_events_open_by_key ON sync_events (company_id, order_key, sync_event_id) WHERE state <> 'synced';
CREATE INDEX sync_events_invoice ON sync_events (company_id, invoice_id, sync_event_id);
CREATE INDEX sync_events_state ON sync_events (company_id, state, sync_event_id);

-- What the invoice shows of its sync: 'none' (bill-pay never had to learn
-- of it), 'pending', 'synced', 'failed' (a parked row; sync_error says why).
ALTER TABLE invoices
  ADD COLUMN sync_state text NOT NULL DEFAULT 'none' CHECK (sync_state IN ('none', 'pending', 'synced', 'failed')),
  ADD COLUMN sync_error text NOT NULL DEFAULT '';

-- The inbox: every verified webhook event, stored before anything acts on
-- it, keyed by bill-pay's event id, so a repeated delivery changes nothing.
-- Payments the import finds unmatched are stored here too ('import:<id>').
CREATE TABLE billpay_inbox (
  company_id         bigint NOT NULL,
  event_id           text   NOT NULL,
  event_type         text   NOT NULL,
  billpay_payment_id text   NOT NULL,
  body               text   NOT NULL,
  state              text   NOT NULL CHECK (state IN ('pending', 'applied', 'unmatched')),
  note               text   NOT NULL DEFAULT '',
  received_time      timestamptz NOT NULL,
  applied_time       timestamptz,
  PRIMARY KEY (company_id, event_id)
);
CREATE INDEX billpay_inbox_pending ON billpay_inbox (company_id, received_time) WHERE state = 'pending';
CREATE INDEX billpay_inbox_state ON billpay_inbox (company_id, state, received_time);

-- Where the payment import stopped, per company (webhooks can be lost).
CREATE TABLE billpay_import_cursors (
  company_id  bigint PRIMARY KEY REFERENCES companies (company_id),
  cursor      text   NOT NULL,
  update_time timestamptz NOT NULL
);
