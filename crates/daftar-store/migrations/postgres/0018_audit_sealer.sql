-- Audit without a global lock (issue 17, docs/adr/0002-audit-sealing.md). An action appends its
-- audit row here, unsealed, in its own transaction: no shared row is locked. txid is the
-- writing transaction's id (pg_current_xact_id(), 64 bits, never wraps); a single sealer (one
-- at a time across nodes: an advisory lock) moves the rows whose transaction is older than
-- every open one (the snapshot's xmin) into audit_log, in (txid, id) order, computing the hash
-- chain, and deletes them here in the same transaction. SQLite writes txid 0 (its single
-- writer already orders everything). Rows are never changed while they wait.
CREATE TABLE audit_pending (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txid BIGINT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    actor_id TEXT,
    actor TEXT NOT NULL,
    office_id TEXT,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    request_id TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX audit_pending_order ON audit_pending (txid, id);

CREATE FUNCTION audit_pending_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit rows are not changed';
END;
$$;
CREATE TRIGGER audit_pending_no_update BEFORE UPDATE ON audit_pending
FOR EACH ROW EXECUTE FUNCTION audit_pending_frozen();

-- Signed checkpoints of the chain's head ("row seq has hash hash"), signed with the root key
-- (kid); signed is the COSE_Sign1 file in hex, as `daftar audit export-checkpoint` writes it.
CREATE TABLE audit_checkpoints (
    id TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    signed_at TIMESTAMPTZ NOT NULL,
    kid TEXT NOT NULL,
    signed TEXT NOT NULL
);
CREATE INDEX audit_checkpoints_seq ON audit_checkpoints (seq);
CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE OR DELETE ON audit_checkpoints
FOR EACH ROW EXECUTE FUNCTION audit_pending_frozen();
