#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the backend test suites (DESIGN.md "Scale-out").
#
#   eval "$(.ci/postgres.sh)"        installs Debian's postgresql if needed, starts a cluster on a free
#                                    port of 127.0.0.1 and prints, on stdout only:
#                                      export VMX_TEST_DATABASE_URL=postgres://vmx@127.0.0.1:<port>/postgres
#                                      export VMX_TEST_POSTGRES_DIR=<its directory>
#   .ci/postgres.sh stop [dir]       stops that cluster and removes its directory
#                                    (dir defaults to $VMX_TEST_POSTGRES_DIR)
#
# PostgreSQL refuses to run as root, so when run as root the cluster belongs to a system user made
# for it. Durability is off (fsync, full-page writes): the data lives only as long as the tests.
set -euo pipefail
exec 3>&1 1>&2 # stdout is for the exports alone; everything else goes to stderr

PG_USER=vmx-postgres
SUPERUSER=vmx

bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

install_postgres() {
  if compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then return; fi
  echo "installing postgresql from Debian" >&2
  # The package would make and start a cluster of its own on 5432; this script makes its own.
  mkdir -p /etc/postgresql-common
  echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf
  apt-get update
  DEBIAN_FRONTEND=noninteractive UCF_FORCE_CONFFOLD=1 apt-get install -y --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold postgresql
}

# Children never get fd 3: a server holding it open would keep `$(.ci/postgres.sh)` waiting forever.
run_as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$PG_USER" -- "$@" 3>&-; else "$@" 3>&-; fi
}

ensure_owner() {
  [ "$(id -u)" = 0 ] || return 0
  id "$PG_USER" >/dev/null 2>&1 && return 0
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_USER"
}

free_port() {
  node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

start() {
  install_postgres
  ensure_owner
  local bin dir port attempt
  bin=$(bin_dir)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/vmx-postgres.XXXXXX")
  [ "$(id -u)" = 0 ] && chown "$PG_USER:$PG_USER" "$dir"
  chmod 700 "$dir"
  run_as_owner "$bin/initdb" --pgdata="$dir/data" --username="$SUPERUSER" --auth=trust \
    --encoding=UTF8 --no-locale --no-sync >"$dir/initdb.log" || { cat "$dir/initdb.log"; exit 1; }
  # A free port can be taken between asking for it and listening on it: try a few.
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if run_as_owner "$bin/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" --wait --timeout=60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200 -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
      start; then
      echo "PostgreSQL ($bin) listening on 127.0.0.1:$port, data in $dir" >&2
      echo "export VMX_TEST_DATABASE_URL=postgres://$SUPERUSER@127.0.0.1:$port/postgres" >&3
      echo "export VMX_TEST_POSTGRES_DIR=$dir" >&3
      return
    fi
    echo "start on port $port failed (attempt $attempt):" >&2
    tail -n 5 "$dir/server.log" >&2 || true
  done
  exit 1
}

stop() {
  local dir=${1:-${VMX_TEST_POSTGRES_DIR:-}}
  if [ -z "$dir" ] || [ ! -d "$dir/data" ]; then
    echo "no cluster to stop: give its directory or set VMX_TEST_POSTGRES_DIR" >&2
    exit 2
  fi
  run_as_owner "$(bin_dir)/pg_ctl" --pgdata="$dir/data" --mode=fast --wait stop
  rm -rf "$dir"
}

case "${1:-start}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *)
    echo "usage: $0 [start | stop [dir]]" >&2
    exit 2
    ;;
esac
