"""Create or drop a PostgreSQL database for a CI run: pgdb.py create|drop NAME."""

import os
import sys

import psycopg

action, name = sys.argv[1], sys.argv[2]
with psycopg.connect(
    host=os.environ.get("CI_PG_HOST", "127.0.0.1"),
    port=int(os.environ.get("CI_PG_PORT", "5432")),
    user=os.environ.get("CI_PG_USER", "postgres"),
    dbname="postgres",
    autocommit=True,
    connect_timeout=5,
) as connection:
    if action == "create":
        connection.execute(f'CREATE DATABASE "{name}"')
    else:
        for database in (name, f"test_{name}"):
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
