-- Audit without a global lock (issue 17, docs/adr/0002-audit-sealing.md). An action appends its
-- audit row here, unsealed, in its own transaction: no shared row is locked. txid is the
-- writing transaction's id on PostgreSQL; SQLite writes 0 (its single writer already orders
-- everything). The sealer moves the rows into audit_log in (txid, id) order, computing the hash
-- chain, and deletes them here in the same transaction. Rows are never changed while they wait.
CREATE TABLE audit_pending (
    id INTEGER PRIMARY KEY,
    txid INTEGER NOT NULL,
    at TEXT NOT NULL,
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

CREATE TRIGGER audit_pending_no_update BEFORE UPDATE ON audit_pending
BEGIN SELECT RAISE(ABORT, 'audit rows are not changed'); END;

-- Signed checkpoints of the chain's head ("row seq has hash hash"), signed with the root key
-- (kid); signed is the COSE_Sign1 file in hex, as `daftar audit export-checkpoint` writes it.
CREATE TABLE audit_checkpoints (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    kid TEXT NOT NULL,
    signed TEXT NOT NULL
);
CREATE INDEX audit_checkpoints_seq ON audit_checkpoints (seq);
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit rows are not changed'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit rows are not changed'); END;
