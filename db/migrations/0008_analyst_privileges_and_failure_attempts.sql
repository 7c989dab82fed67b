-- The analysts' role is read-only by its privileges, not by its settings: a role may reset its
-- own defaults (ALTER ROLE lbi_analyst RESET ALL drops default_transaction_read_only and the
-- statement timeout, which stay only as conveniences). So it gets no privilege that writes:
-- no temporary tables here, no CREATE on the database or on a schema, no large objects, no
-- role attributes, no memberships, and it owns nothing.
-- Database-level grants are not copied by CREATE DATABASE ... TEMPLATE: a store made that way
-- gets them when its migrations run, not from the template.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lbi_analyst') THEN
        RETURN;
    END IF;
    -- TEMP is granted to PUBLIC by default: it has to be taken from PUBLIC, and given back to us.
    EXECUTE 'REVOKE TEMPORARY, CREATE ON DATABASE ' || quote_ident(current_database()) || ' FROM PUBLIC, lbi_analyst';
    EXECUTE 'GRANT TEMPORARY ON DATABASE ' || quote_ident(current_database()) || ' TO ' || quote_ident(current_user);
    REVOKE CREATE ON SCHEMA lbi FROM PUBLIC, lbi_analyst;
    IF EXISTS (SELECT FROM pg_namespace WHERE nspname = 'public') THEN
        REVOKE CREATE ON SCHEMA public FROM PUBLIC, lbi_analyst;
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE USING MESSAGE = 'lbi_analyst may still create temporary tables (not allowed here): ' || SQLERRM;
END
$$;

-- Memberships, ownership, attributes and the large-object functions (any role may create large
-- objects) need a superuser.
DO $$
DECLARE
    membership record;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lbi_analyst') THEN
        RETURN;
    END IF;
    ALTER ROLE lbi_analyst NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    FOR membership IN
        SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
        WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = 'lbi_analyst')
    LOOP
        EXECUTE 'REVOKE ' || quote_ident(membership.rolname) || ' FROM lbi_analyst';
    END LOOP;
    REASSIGN OWNED BY lbi_analyst TO CURRENT_USER;
    REVOKE EXECUTE ON FUNCTION pg_catalog.lo_create(oid), pg_catalog.lo_creat(integer),
        pg_catalog.lo_from_bytea(oid, bytea) FROM PUBLIC;
    EXECUTE 'GRANT EXECUTE ON FUNCTION pg_catalog.lo_create(oid), pg_catalog.lo_creat(integer),'
            ' pg_catalog.lo_from_bytea(oid, bytea) TO ' || quote_ident(current_user);
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE USING MESSAGE = 'lbi_analyst not fully locked down (needs a superuser): ' || SQLERRM;
END
$$;

-- A unit whose answer broke its contract is asked again by later runs, up to a number of times
-- (LBI_RETRY_FAILED_GENERATIONS): each row counts the runs whose answer failed.
ALTER TABLE lbi.failed_generations ADD COLUMN attempts integer NOT NULL DEFAULT 1 CHECK (attempts >= 1);
COMMENT ON COLUMN lbi.failed_generations.attempts IS
    'How many runs got an answer breaking the contract for this stage, subject and model; run_id is the last.';
