-- Every web node keeps the callers' lookups (session or API token, user, office) between
-- requests and must forget one as soon as it can change on any node (issue 17.4; the store's
-- `sign_ins` module). A committed change to a row a lookup reads sends a notification on the
-- channel `daftar_sign_in` naming the user (`u:ID`) or the office (`o:ID`); every node listens.
-- PostgreSQL sends notifications only at commit, in commit order, and drops duplicates within
-- a transaction. Columns no lookup reads and that change often are left out: a session's last
-- activity, a user's last second-factor step, an office's person counter and public address.
CREATE FUNCTION daftar_sign_in_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    before JSONB := to_jsonb(OLD);
    after JSONB;
    i INT;
BEGIN
    -- TG_ARGV: the payload's prefix, the column that names the user or office, then the
    -- columns whose changes alone are not sent.
    IF TG_OP = 'UPDATE' THEN
        after := to_jsonb(NEW);
        FOR i IN 2 .. TG_NARGS - 1 LOOP
            before := before - TG_ARGV[i];
            after := after - TG_ARGV[i];
        END LOOP;
        IF before = after THEN
            RETURN NULL;
        END IF;
    END IF;
    PERFORM pg_notify('daftar_sign_in', TG_ARGV[0] || ':' || (to_jsonb(OLD) ->> TG_ARGV[1]));
    RETURN NULL;
END
$$;

CREATE TRIGGER sessions_sign_in_changed AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION daftar_sign_in_changed('u', 'user_id', 'last_seen_at');
CREATE TRIGGER api_tokens_sign_in_changed AFTER UPDATE OR DELETE ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION daftar_sign_in_changed('u', 'user_id');
CREATE TRIGGER users_sign_in_changed AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION daftar_sign_in_changed('u', 'id', 'totp_last_step');
CREATE TRIGGER offices_sign_in_changed AFTER UPDATE OR DELETE ON offices
    FOR EACH ROW EXECUTE FUNCTION daftar_sign_in_changed('o', 'id', 'person_seq', 'public_address');
