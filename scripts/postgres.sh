#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:${PGPORT:-5432} with a role and a
# database for the test suite. Reuses a running server; otherwise installs Debian's
# postgresql (as root) and starts its cluster with pg_ctlcluster (no systemd needed).
# Prints the SQLAlchemy URL of the database on stdout.
set -euo pipefail

PORT=${PGPORT:-5432}
DB=${WIKIUPLOAD_TEST_DB:-wikiupload_test}
ROLE=${WIKIUPLOAD_TEST_DB_USER:-wikiupload}
PASS=${WIKIUPLOAD_TEST_DB_PASSWORD:-wikiupload}

say() { echo "[postgres] $*" >&2; }

answers() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h 127.0.0.1 -p "$PORT" -t 2
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
    fi
}

install_and_start() {
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
        say "installing postgresql"
        export DEBIAN_FRONTEND=noninteractive
        apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
        apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends postgresql >&2
    fi
    local version
    version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
    local conf="/etc/postgresql/$version/main"
    [ -d "$conf" ] || pg_createcluster --port "$PORT" "$version" main >&2
    mkdir -p "$conf/conf.d"
    printf "listen_addresses = '127.0.0.1'\nport = %s\n" "$PORT" > "$conf/conf.d/wikiupload.conf"
    if ! grep -q "wikiupload tests" "$conf/pg_hba.conf"; then
        local tmp
        tmp=$(mktemp)
        { echo "# wikiupload tests: local connections are trusted"
          echo "local all all trust"
          echo "host all all 127.0.0.1/32 trust"
          echo "host all all ::1/128 trust"
          cat "$conf/pg_hba.conf"; } > "$tmp"
        cat "$tmp" > "$conf/pg_hba.conf" && rm -f "$tmp"
    fi
    say "starting cluster $version/main"
    pg_ctlcluster "$version" main start >&2
    for _ in $(seq 1 100); do answers && return 0; sleep 0.1; done
    say "PostgreSQL did not come up"; exit 1
}

superuser_psql() {
    if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 \
        && runuser -u postgres -- psql -X -q -p "$PORT" -d postgres -c 'select 1' >/dev/null 2>&1; then
        runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" -d postgres "$@"
    else
        psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U "${PGUSER:-postgres}" -d postgres "$@"
    fi
}

answers || install_and_start
if [ "$(superuser_psql -tA -c "select 1 from pg_roles where rolname = '$ROLE'")" != 1 ]; then
    superuser_psql -c "create role \"$ROLE\" login createdb password '$PASS'"
fi
if [ "$(superuser_psql -tA -c "select 1 from pg_database where datname = '$DB'")" != 1 ]; then
    superuser_psql -c "create database \"$DB\" owner \"$ROLE\" encoding 'UTF8' template template0"
fi
echo "postgresql+psycopg://$ROLE:$PASS@127.0.0.1:$PORT/$DB"
