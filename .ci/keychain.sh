#!/usr/bin/env bash
# Runs test/keychain against a real, headless Secret Service (gnome-keyring under dbus-run-session),
# once per situation the credential store must handle, each in a throw-away HOME so that no run can
# see or touch a real user's keyring. Needs gnome-keyring (apt) and dbus-run-session (base image).
# Every variant runs even if an earlier one fails; the exit code is non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."

for tool in dbus-run-session gnome-keyring-daemon; do
  command -v "$tool" >/dev/null || { echo "keychain.sh: $tool is not installed (apt-get install gnome-keyring)" >&2; exit 1; }
done

ROOT=$(mktemp -d)
trap 'rm -rf "$ROOT"' EXIT
export KEYRING_PW=ci-keyring-pw   # protects only the throw-away keyring below
VITEST='npx vitest run test/keychain'
failed=()

# run <name> <KEYCHAIN_IT value> <home> <command...>: a clean environment pointing only at <home>
# (no inherited bus, runtime dir or XDG data dir), with a time limit in case something waits on a prompt.
run() {
  local name=$1 mode=$2 home=$3
  shift 3
  mkdir -p "$home"
  echo "== keychain: $name (KEYCHAIN_IT=$mode)"
  if env -u DBUS_SESSION_BUS_ADDRESS -u XDG_RUNTIME_DIR -u XDG_DATA_HOME -u XDG_CONFIG_HOME -u XDG_CACHE_HOME \
    -u VMX_CREDENTIAL_STORE HOME="$home" KEYCHAIN_IT="$mode" CI=true timeout 300 "$@" </dev/null; then
    echo "-- ok: $name"
  else
    echo "-- FAILED: $name"
    failed+=("$name")
  fi
}

UNLOCK='echo "$KEYRING_PW" | gnome-keyring-daemon --unlock --components=secrets >/dev/null'
START_LOCKED='gnome-keyring-daemon --start --components=secrets >/dev/null'

# 1. Unlocked keyring: real round trips. This also creates the login keyring (encrypted with KEYRING_PW) in $ROOT/home.
run 'unlocked keyring' 1 "$ROOT/home" dbus-run-session -- sh -c "$UNLOCK && $VITEST"

# 2. The same keyring, daemon started without --unlock: a clear error, nothing written.
run 'locked keyring' locked "$ROOT/home" dbus-run-session -- sh -c "$START_LOCKED && $VITEST"

# 3. Unlocked again: its first test proves run 2 left nothing under service "vmx".
run 'unlocked again, nothing left by the locked run' 1 "$ROOT/home" dbus-run-session -- sh -c "$UNLOCK && $VITEST"

# 4. A HOME where no keyring was ever created, daemon not unlocked: also present-but-refusing.
run 'keyring never created, not unlocked' locked "$ROOT/fresh" dbus-run-session -- sh -c "$START_LOCKED && $VITEST"

# 5. No session bus at all (an empty runtime dir, so no /run/user/<uid>/bus is found either).
mkdir -p "$ROOT/runtime" && chmod 700 "$ROOT/runtime"
run 'no session bus' no-keychain "$ROOT/nobus" env XDG_RUNTIME_DIR="$ROOT/runtime" sh -c "$VITEST"

# 6. A session bus with no Secret Service: a bus config without any service dirs, so nothing can be activated.
cat >"$ROOT/no-services.conf" <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
run 'session bus without a Secret Service' no-keychain "$ROOT/noprovider" \
  dbus-run-session --config-file="$ROOT/no-services.conf" -- sh -c "$VITEST"

if [ ${#failed[@]} -gt 0 ]; then
  printf 'keychain.sh: %d variant(s) failed:\n' "${#failed[@]}"
  printf '  - %s\n' "${failed[@]}"
  exit 1
fi
echo 'keychain.sh: all variants passed'
