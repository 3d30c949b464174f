-- The journal keeps what arrived even when it is not text Postgres can hold: a NUL byte (a UTF-16
-- camt file, a gzip body, a stranger's probe) made the journal INSERT fail, so the request was
-- answered 500 and never journaled. body keeps a readable copy (NUL as U+FFFD); body_raw the bytes.
ALTER TABLE inbound_requests ADD COLUMN body_raw bytea;
