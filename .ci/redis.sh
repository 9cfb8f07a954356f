#!/usr/bin/env bash
# Starts a throw-away Redis for the backend suites (no persistence, 127.0.0.1 only, a free port) and
# prints the lines that point them at it, so that CI can run:
#   eval "$(.ci/redis.sh)"      # sets VMX_TEST_REDIS_URL (and VMX_TEST_REDIS_PID)
#   ...                         # npx vitest run ...
#   kill "$VMX_TEST_REDIS_PID"  # stops it
# Only the export lines go to stdout; everything else goes to stderr. Installs Debian's redis-server
# with apt-get when it is missing. VMX_REDIS_PORT picks the port instead of a free one.
set -euo pipefail
exec 3>&1 1>&2

if ! command -v redis-server >/dev/null; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server
fi

free_port() {
  node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })"
}

dir=$(mktemp -d -t vmx-redis.XXXXXX)
# A port found free may be taken before Redis binds it: try a few. The server must not keep our
# stdout (fd 3) open, or `$(.ci/redis.sh)` would wait for it to exit.
for attempt in 1 2 3 4 5; do
  port=${VMX_REDIS_PORT:-$(free_port)}
  if redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --protected-mode yes \
    --daemonize yes --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" 3>&-; then
    for _ in $(seq 1 50); do
      if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
        echo "redis.sh: Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:$port (log: $dir/redis.log)"
        echo "export VMX_TEST_REDIS_URL=redis://127.0.0.1:$port" >&3
        echo "export VMX_TEST_REDIS_PID=$(cat "$dir/redis.pid")" >&3
        exit 0
      fi
      sleep 0.1
    done
    [ -f "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
  fi
  [ -n "${VMX_REDIS_PORT:-}" ] && break
  echo "redis.sh: no Redis on port $port (attempt $attempt), trying another"
done
echo "redis.sh: could not start redis-server; its log:"
cat "$dir/redis.log" 2>/dev/null || true
exit 1
