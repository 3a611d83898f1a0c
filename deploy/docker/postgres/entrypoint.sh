#!/bin/sh
# First start: initdb and create $POSTGRES_DB; then run Postgres in the foreground as PID 1.
# Trust authentication, as pgvector/pgvector:pg16 with POSTGRES_HOST_AUTH_METHOD=trust: a dev and test stand-in only.
set -eu
: "${LISTEN_ADDRESSES:=*}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  initdb -D "$PGDATA" -U postgres --auth=trust --encoding=UTF8 --no-locale --no-instructions --no-sync >/dev/null
  echo "host all all all trust" > "$PGDATA/pg_hba.conf"
  echo "CREATE DATABASE \"$POSTGRES_DB\";" | postgres --single -D "$PGDATA" -c unix_socket_directories= postgres >/dev/null
fi
exec postgres -D "$PGDATA" -c listen_addresses="$LISTEN_ADDRESSES" -c port="$PGPORT" -c unix_socket_directories= \
  -c max_connections=200 "$@"
