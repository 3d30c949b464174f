#!/bin/sh
# Temporal's two databases on Postgres, created if missing and their schema set up or upgraded to
# the newest version; idempotent, so every `docker compose up` runs it (the temporal-schema job).
# `tollgate start --cluster` does the same in src/cli/stack/temporal-cluster.ts (prepareDatabase).
# temporal-sql-tool reads SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER and SQL_PASSWORD; SCHEMA_DIR is
# the server's schema/postgresql/v12 (in temporalio/admin-tools: /etc/temporal/schema/postgresql/v12).
# Recipe: the server's tools/sql/README.md (go.temporal.io/server v1.29.1, "Do one time database
# creation and schema setup for a new cluster": create, setup-schema -v 0.0, update-schema -d).
set -eu
: "${SCHEMA_DIR:?set SCHEMA_DIR to the server's schema/postgresql/v12}"

prepare() {
  db=$1
  versioned=$SCHEMA_DIR/$2/versioned
  # A database with a schema only needs upgrading; setup-schema would reset its version to 0.0.
  # Only a missing database or a missing schema falls through to creating them; any other failure
  # (Postgres not up, a wrong password, a failed upgrade step) is printed and stops the job.
  log=$(mktemp)
  if temporal-sql-tool --db "$db" update-schema -d "$versioned" >"$log" 2>&1; then
    rm -f "$log"
    echo "database $db: schema up to date"
    return
  fi
  if ! grep -qE 'schema_version|does not exist' "$log"; then
    cat "$log" >&2
    rm -f "$log"
    echo "database $db: update-schema failed (above)" >&2
    exit 1
  fi
  rm -f "$log"
  temporal-sql-tool --db "$db" create 2>/dev/null || echo "database $db exists"
  temporal-sql-tool --db "$db" setup-schema -v 0.0
  temporal-sql-tool --db "$db" update-schema -d "$versioned"
  echo "database $db: schema created"
}

prepare temporal temporal
prepare temporal_visibility visibility
