"""The development stack: every service, the provider sandbox, Postgres and Redis under one supervisor."""
