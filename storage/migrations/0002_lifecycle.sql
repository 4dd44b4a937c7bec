-- Invoice lifecycle: numbering (LC-2), stored PDFs, backup attachments
-- (BP-5), payments with their allocations and prepayments (LC-3, BP-8,
-- BP-10), the company's invoice email template, and the lifecycle events
-- that an outside service (bill-pay) must learn of.

ALTER TABLE companies
  ADD COLUMN email_subject_template text NOT NULL DEFAULT '',
  ADD COLUMN email_body_template    text NOT NULL DEFAULT '';

-- LC-2: the last number given per company. Finalizing locks this row until
-- it commits, so numbers have no gaps and are never given twice.
CREATE TABLE invoice_number_counters (
  company_id  bigint PRIMARY KEY REFERENCES companies (company_id),
  last_number bigint NOT NULL CHECK (last_number > 0)
);

ALTER TABLE invoices
  ADD COLUMN pay_now_url     text    NOT NULL DEFAULT '',
  ADD COLUMN nothing_to_send boolean NOT NULL DEFAULT false,  -- BP-2, decided at each finalize
  ADD COLUMN void_reason     text    NOT NULL DEFAULT '',
  ADD CONSTRAINT invoices_applied_within_total CHECK (applied_minor >= 0 AND applied_minor <= GREATEST(total_minor, 0)),
  -- LC-3; a VOID invoice is owed by no one.
  ADD CONSTRAINT invoices_outstanding_is_rest
    CHECK (outstanding_minor = CASE WHEN state = 'void' THEN 0 ELSE GREATEST(total_minor - applied_minor, 0) END),
  ADD CONSTRAINT invoices_final_has_number CHECK (state = 'draft' OR state = 'void' OR number IS NOT NULL);

-- Each finalize renders the PDF anew; every revision is kept, the last one
-- is the invoice's PDF.
CREATE TABLE invoice_pdfs (
  company_id  bigint  NOT NULL,
  invoice_id  bigint  NOT NULL,
  revision    integer NOT NULL CHECK (revision > 0),
  pdf         bytea   NOT NULL,
  sha256      text    NOT NULL,
  create_time timestamptz NOT NULL,
  PRIMARY KEY (company_id, invoice_id, revision),
  FOREIGN KEY (company_id, invoice_id) REFERENCES invoices (company_id, invoice_id)
);

-- BP-5: backup attachments live beside the invoice, never inside its PDF
-- and never sent to bill-pay.
CREATE TABLE invoice_attachments (
  company_id    bigint NOT NULL,
  attachment_id bigint NOT NULL,
  invoice_id    bigint NOT NULL,
  file_name     text   NOT NULL,
  content_type  text   NOT NULL,
  content       bytea  NOT NULL,
  sha256        text   NOT NULL,
  create_time   timestamptz NOT NULL,
  PRIMARY KEY (company_id, attachment_id),
  FOREIGN KEY (company_id, invoice_id) REFERENCES invoices (company_id, invoice_id)
);
CREATE INDEX invoice_attachments_invoice ON invoice_attachments (company_id, invoice_id, create_time);

-- A payment received from a customer. unapplied_minor is the part not
-- applied to any invoice: the customer's open prepayment from this payment.
CREATE TABLE payments (
  company_id      bigint NOT NULL,
  payment_id      bigint NOT NULL,
  customer_id     bigint NOT NULL,
  currency_code   text   NOT NULL CHECK (currency_code ~ '^[A-Z]{3}$'),
  amount_minor    bigint NOT NULL CHECK (amount_minor > 0),
  unapplied_minor bigint NOT NULL CHECK (unapplied_minor BETWEEN 0 AND amount_minor),
  received_date   date   NOT NULL,
  method          text   NOT NULL CHECK (method IN ('check', 'ach', 'card', 'wire', 'cash', 'other')),
  reference       text   NOT NULL DEFAULT '',
  state           text   NOT NULL CHECK (state IN ('received', 'reversed')),
  reversal_reason text   NOT NULL DEFAULT '',
  version         bigint NOT NULL DEFAULT 1,
  create_time     timestamptz NOT NULL,
  update_time     timestamptz NOT NULL,
  PRIMARY KEY (company_id, payment_id),
  FOREIGN KEY (company_id, customer_id) REFERENCES customers (company_id, customer_id),
  CHECK (state = 'received' OR unapplied_minor = 0)
);
CREATE INDEX payments_created ON payments (company_id, create_time, payment_id);
CREATE INDEX payments_customer ON payments (company_id, customer_id, create_time, payment_id);

-- Part of a payment applied to an invoice, either with the payment itself
-- ('payment') or later from its prepayment ('prepayment'). An allocation is
-- never deleted: going back to DRAFT or REISSUE releases it (BP-8; per
-- invoice, so BP-10 can tell when all of a payment's invoices are back), and
-- a reversed payment reverses it.
CREATE TABLE payment_allocations (
  company_id    bigint NOT NULL,
  allocation_id bigint GENERATED ALWAYS AS IDENTITY,
  payment_id    bigint NOT NULL,
  invoice_id    bigint NOT NULL,
  amount_minor  bigint NOT NULL CHECK (amount_minor > 0),
  source        text   NOT NULL CHECK (source IN ('payment', 'prepayment')),
  state         text   NOT NULL CHECK (state IN ('applied', 'released', 'reversed')),
  end_reason    text   NOT NULL DEFAULT '',
  create_time   timestamptz NOT NULL,
  end_time      timestamptz,
  PRIMARY KEY (company_id, allocation_id),
  FOREIGN KEY (company_id, payment_id) REFERENCES payments (company_id, payment_id),
  FOREIGN KEY (company_id, invoice_id) REFERENCES invoices (company_id, invoice_id),
  CHECK ((state = 'applied') = (end_time IS NULL))
);
CREATE INDEX payment_allocations_payment ON payment_allocations (company_id, payment_id, allocation_id);
CREATE INDEX payment_allocations_invoice ON payment_allocations (company_id, invoice_id, allocation_id);

-- What happened to invoices and payments: the events an outside service must
-- learn of. event_id orders the events of one invoice (its row lock orders
-- their transactions), not those of different invoices: an event with a
-- lower id may commit later, so readers take events row by row (claimed and
-- marked), never "everything after the last id seen".
CREATE TABLE lifecycle_events (
  company_id   bigint NOT NULL,
  event_id     bigint GENERATED ALWAYS AS IDENTITY,
  kind         text   NOT NULL,
  invoice_id   bigint NOT NULL DEFAULT 0,
  payment_id   bigint NOT NULL DEFAULT 0,
  amount_minor bigint NOT NULL DEFAULT 0,
  occurred_at  timestamptz NOT NULL,
  PRIMARY KEY (company_id, event_id)
);
CREATE INDEX lifecycle_events_invoice ON lifecycle_events (company_id, invoice_id, event_id);
