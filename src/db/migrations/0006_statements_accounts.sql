-- Statements from any bank (issue 8): MT942 interim reports are stored as such, and every line
-- keeps the account and the statement inside the file it came from, so one file holding the
-- statements of several accounts (mBank writes one :20:/:28C: for all of them) keeps them apart.
ALTER TABLE bank_statements DROP CONSTRAINT bank_statements_format_check;
ALTER TABLE bank_statements ADD CONSTRAINT bank_statements_format_check
  CHECK (format IN ('camt.053', 'camt.054', 'mt940', 'mt942', 'csv'));

ALTER TABLE bank_lines ADD COLUMN account text;        -- camt Acct/Id, MT940 :25:; null for CSV
ALTER TABLE bank_lines ADD COLUMN statement_ref text;  -- camt Stmt/Id, MT940 ":20: :25: :28C:"; null for CSV
