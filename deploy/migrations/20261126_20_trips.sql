-- Trips and their saved items, owned by the token's user, with Supabase row-level security.
--
-- The gateway connects as the table owner and filters by user_id itself; the policies hold a frontend
-- that reads these tables through Supabase directly to the same rule (auth.uid() = user_id).

CREATE TABLE IF NOT EXISTS trips (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         text NOT NULL CHECK (length(user_id) BETWEEN 1 AND 200),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    destination     jsonb NOT NULL,
    origin          text CHECK (origin ~ '^[A-Z]{3}$'),
    start_date      date NOT NULL,
    end_date        date NOT NULL,
    travelers       integer NOT NULL CHECK (travelers BETWEEN 1 AND 9),
    budget_amount   numeric(14, 2) CHECK (budget_amount > 0),
    budget_currency text CHECK (budget_currency ~ '^[A-Z]{3}$'),
    notes           text CHECK (length(notes) <= 4000),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT trips_dates_ordered CHECK (end_date >= start_date),
    CONSTRAINT trips_budget_whole CHECK ((budget_amount IS NULL) = (budget_currency IS NULL))
);

-- Newest-first pages per user, by keyset (created_at, id).
CREATE INDEX IF NOT EXISTS trips_user_newest ON trips (user_id, created_at DESC, id DESC);

CREATE TABLE IF NOT EXISTS trip_items (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    trip_id        uuid NOT NULL REFERENCES trips (id) ON DELETE CASCADE,
    user_id        text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('flight', 'stay', 'place')),
    ref            text NOT NULL CHECK (length(ref) BETWEEN 1 AND 500),
    title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    price_amount   numeric(14, 2),
    price_currency text CHECK (price_currency ~ '^[A-Z]{3}$'),
    snapshot       jsonb NOT NULL,
    saved_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS trip_items_trip ON trip_items (trip_id, saved_at);

-- A retried POST with the same Idempotency-Key replays the first answer instead of creating again.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    user_id         text NOT NULL,
    key             text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash    text NOT NULL,
    response_status integer,
    response_body   jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);

ALTER TABLE trips ENABLE ROW LEVEL SECURITY;
ALTER TABLE trip_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS trips_owner ON trips;
CREATE POLICY trips_owner ON trips
    USING (user_id = auth.uid()::text) WITH CHECK (user_id = auth.uid()::text);

DROP POLICY IF EXISTS trip_items_owner ON trip_items;
CREATE POLICY trip_items_owner ON trip_items
    USING (user_id = auth.uid()::text) WITH CHECK (user_id = auth.uid()::text);

-- Idempotency records are the gateway's own bookkeeping: no policy, so no one but the owner sees them.
