-- The memory service's table, in the shape mem0's pgvector store reads and writes (id, vector, payload).
--
-- The vector column has no dimension yet: the dimension belongs to the embedding model, which is configuration
-- (384 for the sandbox's MiniLM, 1536 for OpenAI text-embedding-3-small). The first memory-service replica to start
-- runs `ALTER COLUMN vector TYPE vector(<MEMORY_EMBEDDING_DIMS>)` and builds the HNSW index, under an advisory lock;
-- every later start compares the column with its configuration and refuses to start on a mismatch.
-- Owner and metadata live in `payload` (mem0's layout); the expression indexes below serve per-user queries.

CREATE TABLE IF NOT EXISTS public.memories (
  id uuid PRIMARY KEY,
  vector vector,
  payload jsonb NOT NULL
);
COMMENT ON TABLE public.memories IS 'Traveller memories (mem0 pgvector store); dimension bound by the memory service (tripsage 20261126_10)';

-- Per-user listing (newest first, keyset pages), ownership checks and erasure.
CREATE INDEX IF NOT EXISTS memories_user_created_idx
  ON public.memories ((payload->>'user_id'), (payload->>'created_at') DESC, id DESC);

-- mem0's hybrid search ranks keyword matches with this expression (its own create_col builds the same index).
CREATE INDEX IF NOT EXISTS memories_text_lemmatized_idx
  ON public.memories USING gin (to_tsvector('simple', payload->>'text_lemmatized'));

-- On Supabase the Data API must never expose memories: row-level security with no policy denies everything to
-- anon/authenticated; the service connects as the table owner (or a role with BYPASSRLS).
ALTER TABLE public.memories ENABLE ROW LEVEL SECURITY;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
    REVOKE ALL ON public.memories FROM anon;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
    REVOKE ALL ON public.memories FROM authenticated;
  END IF;
END $$;
