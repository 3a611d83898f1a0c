-- Drops the memory table with every memory in it (and its HNSW index, built by the service).
DROP TABLE IF EXISTS public.memories;
