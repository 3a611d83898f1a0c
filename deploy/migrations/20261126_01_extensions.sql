-- Extensions (pgvector, pgcrypto) and a Supabase-compatible `auth.uid()` shim for plain Postgres.
--
-- Idempotent, and safe on Supabase: anything that already exists is left untouched. Whatever this
-- migration creates is tagged with a comment ending in "(tripsage 20261126_01)"; the rollback drops
-- only objects carrying that tag, so it can never remove Supabase's own auth schema or function.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN
    -- Supabase keeps extensions in the `extensions` schema (on everyone's search_path there).
    IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'extensions') THEN
      CREATE EXTENSION vector WITH SCHEMA extensions;
    ELSE
      CREATE EXTENSION vector;
    END IF;
    COMMENT ON EXTENSION vector IS 'vector data type and ivfflat and hnsw access methods (tripsage 20261126_01)';
  END IF;
END $$;

-- gen_random_uuid() is built into Postgres 13+; pgcrypto adds digest()/crypt() where it is
-- available (Supabase has it; the embedded test server does not ship it).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pgcrypto')
     AND EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pgcrypto') THEN
    IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'extensions') THEN
      CREATE EXTENSION pgcrypto WITH SCHEMA extensions;
    ELSE
      CREATE EXTENSION pgcrypto;
    END IF;
    COMMENT ON EXTENSION pgcrypto IS 'cryptographic functions (tripsage 20261126_01)';
  END IF;
END $$;

-- Mirrors Supabase's auth.uid() so row-level-security policies run unchanged on plain Postgres.
-- The service sets `request.jwt.claim.sub` per transaction (set_config(..., true)). Note: this shim
-- returns text while Supabase's returns uuid; write policies as `owner_id::text = auth.uid()::text`.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'auth') THEN
    CREATE SCHEMA auth;
    COMMENT ON SCHEMA auth IS 'Supabase auth stand-in for plain Postgres (tripsage 20261126_01)';
    GRANT USAGE ON SCHEMA auth TO PUBLIC;
  END IF;
  IF to_regprocedure('auth.uid()') IS NULL THEN
    CREATE FUNCTION auth.uid() RETURNS text
      LANGUAGE sql STABLE
      AS $fn$ SELECT nullif(current_setting('request.jwt.claim.sub', true), '') $fn$;
    COMMENT ON FUNCTION auth.uid() IS 'Subject of the request JWT (tripsage 20261126_01)';
  END IF;
END $$;
