-- Foundation schema: companies, API keys, customers, draft invoices, the
-- audit log and the record of idempotent requests.
-- Every table leads its primary key and indexes with company_id: every query
-- is scoped by it, which keeps companies apart and lets the schema be
-- distributed by company later.
--
-- Ids of companies, customers, invoices and keys are random (see
-- storage/record_ids.h), so they reveal nothing of other companies; lists
-- are ordered by (create_time, id).

CREATE TABLE companies (
  company_id            bigint PRIMARY KEY CHECK (company_id > 0),
  display_name          text   NOT NULL,
  time_zone             text   NOT NULL,
  default_currency_code text   NOT NULL CHECK (default_currency_code ~ '^[A-Z]{3}$'),
  invoice_number_prefix text   NOT NULL,
  address               jsonb  NOT NULL DEFAULT '{}',
  version               bigint NOT NULL DEFAULT 1,
  create_time           timestamptz NOT NULL,
  update_time           timestamptz NOT NULL
);

-- Keys are "ih_<company_id>_<secret>"; only the SHA-256 of the whole key is
-- kept, looked up under the company the key names.
CREATE TABLE api_keys (
  company_id    bigint NOT NULL REFERENCES companies (company_id),
  api_key_id    bigint NOT NULL,
  display_name  text   NOT NULL,
  role          text   NOT NULL CHECK (role IN ('admin', 'clerk', 'viewer')),
  secret_sha256 text   NOT NULL,
  secret_prefix text   NOT NULL,
  create_time   timestamptz NOT NULL,
  revoke_time   timestamptz,
  PRIMARY KEY (company_id, api_key_id),
  UNIQUE (company_id, secret_sha256)
);

CREATE TABLE customers (
  company_id          bigint NOT NULL REFERENCES companies (company_id),
  customer_id         bigint NOT NULL,
  display_name        text   NOT NULL,
  email               text   NOT NULL,
  billing_address     jsonb  NOT NULL DEFAULT '{}',
  currency_code       text   NOT NULL CHECK (currency_code ~ '^[A-Z]{3}$'),
  payment_terms_days  integer NOT NULL CHECK (payment_terms_days BETWEEN 0 AND 365),
  delivery_preference text   NOT NULL CHECK (delivery_preference IN ('mail', 'email', 'client_access')),
  version             bigint NOT NULL DEFAULT 1,
  create_time         timestamptz NOT NULL,
  update_time         timestamptz NOT NULL,
  PRIMARY KEY (company_id, customer_id)
);
CREATE INDEX customers_email ON customers (company_id, lower(email));
CREATE INDEX customers_created ON customers (company_id, create_time, customer_id);

CREATE TABLE invoices (
  company_id        bigint NOT NULL,
  invoice_id        bigint NOT NULL,
  customer_id       bigint NOT NULL,
  state             text   NOT NULL CHECK (state IN ('draft', 'final', 'reissue', 'void')),
  kind              text   NOT NULL CHECK (kind IN ('sales', 'service', 'contract')),
  number            text,  -- assigned at the first finalize (LC-2)
  issue_date        date   NOT NULL,
  due_date          date   NOT NULL CHECK (due_date >= issue_date),
  po_number         text   NOT NULL DEFAULT '',
  currency_code     text   NOT NULL CHECK (currency_code ~ '^[A-Z]{3}$'),
  subtotal_minor    bigint NOT NULL,
  tax_total_minor   bigint NOT NULL,
  total_minor       bigint NOT NULL,
  applied_minor     bigint NOT NULL DEFAULT 0,
  outstanding_minor bigint NOT NULL CHECK (outstanding_minor >= 0),
  version           bigint NOT NULL DEFAULT 1,
  create_time       timestamptz NOT NULL,
  update_time       timestamptz NOT NULL,
  PRIMARY KEY (company_id, invoice_id),
  FOREIGN KEY (company_id, customer_id) REFERENCES customers (company_id, customer_id),
  UNIQUE (company_id, number)
);
CREATE INDEX invoices_created ON invoices (company_id, create_time, invoice_id);
CREATE INDEX invoices_customer ON invoices (company_id, customer_id, create_time);
CREATE INDEX invoices_issue_date ON invoices (company_id, issue_date);

CREATE TABLE invoice_lines (
  company_id       bigint  NOT NULL,
  invoice_id       bigint  NOT NULL,
  line_no          integer NOT NULL,
  description      text    NOT NULL,
  quantity_e4      bigint  NOT NULL CHECK (quantity_e4 >= 0),
  unit_price_minor bigint  NOT NULL CHECK (unit_price_minor >= 0),
  tax_rate_e3      integer NOT NULL CHECK (tax_rate_e3 BETWEEN 0 AND 100000),
  net_minor        bigint  NOT NULL,
  tax_minor        bigint  NOT NULL,
  PRIMARY KEY (company_id, invoice_id, line_no),
  FOREIGN KEY (company_id, invoice_id) REFERENCES invoices (company_id, invoice_id) ON DELETE CASCADE
);

-- Who changed what, when, from which state to which. company_id 0 is never
-- used: operator actions are logged under the company they act on.
CREATE TABLE audit_log (
  company_id   bigint NOT NULL REFERENCES companies (company_id),
  audit_id     bigint GENERATED ALWAYS AS IDENTITY,
  occurred_at  timestamptz NOT NULL,
  actor        text   NOT NULL,
  action       text   NOT NULL,
  entity_type  text   NOT NULL,
  entity_id    bigint NOT NULL,
  request_id   text   NOT NULL DEFAULT '',
  before_state jsonb,
  after_state  jsonb,
  PRIMARY KEY (company_id, audit_id)
);
CREATE INDEX audit_log_entity ON audit_log (company_id, entity_type, entity_id);

-- The first answer to each client request_id, so that a retry returns it
-- and changes nothing more. A request_id belongs to one caller: its company
-- (scope_id; 0 for the operator) and its API key (0 for the operator).
CREATE TABLE idempotent_requests (
  scope_id       bigint NOT NULL,
  api_key_id     bigint NOT NULL,
  request_id     text   NOT NULL,
  method         text   NOT NULL,
  request_sha256 text   NOT NULL,
  response       text   NOT NULL DEFAULT '',
  create_time    timestamptz NOT NULL,
  PRIMARY KEY (scope_id, api_key_id, request_id)
);
