-- Drops only what 20261126_01_extensions.sql created: objects whose comment ends in
-- "(tripsage 20261126_01)". Supabase's own auth schema, auth.uid() and pre-enabled extensions have
-- other comments and are never touched. DROP ... RESTRICT (the default) refuses rather than cascades.

DO $$
BEGIN
  IF to_regprocedure('auth.uid()') IS NOT NULL
     AND obj_description(to_regprocedure('auth.uid()'), 'pg_proc') = 'Subject of the request JWT (tripsage 20261126_01)' THEN
    DROP FUNCTION auth.uid();
  END IF;
  IF EXISTS (
    SELECT 1 FROM pg_namespace
    WHERE nspname = 'auth'
      AND obj_description(oid, 'pg_namespace') = 'Supabase auth stand-in for plain Postgres (tripsage 20261126_01)'
  ) THEN
    DROP SCHEMA auth;
  END IF;
END $$;

-- Every extension the migration created carries the tag; one loop drops them all, however many it adds.
DO $$
DECLARE
  tagged name;
BEGIN
  FOR tagged IN
    SELECT extname FROM pg_extension WHERE obj_description(oid, 'pg_extension') LIKE '%(tripsage 20261126_01)'
  LOOP
    EXECUTE format('DROP EXTENSION %I', tagged);
  END LOOP;
END $$;
