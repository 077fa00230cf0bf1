"""The agent installer (POSIX sh) the server serves at GET /agent/install.sh, and the unit it installs.

The script carries everything a new machine must trust, so after the one pinned download nothing else is taken on
faith: the server URL, the SHA-256 of the wheel it then downloads (checked before pip sees it), the public-key pin
of the server's certificate (for that download) and the server's CA certificate (for `tether agent register`).
The activation code is never part of a URL: it is an argument of the script on the new machine (or
$TETHER_ACTIVATION_CODE) and reaches `tether agent register` through its environment, so it lands neither in the
server's access log nor in the process list of the register command.

`AGENT_UNIT` is packaging/tether-agent.service without its comments and with placeholders for the install prefix
and state directory (tests/packaging checks the two stay the same).
"""

from __future__ import annotations

import shlex

__all__ = ["AGENT_UNIT", "render_install_script"]

AGENT_UNIT = """\
[Unit]
Description=Tether agent (dials out to the tether server; serves shells through it)
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
ExecStart=@PREFIX@/bin/tether agent run --state-dir @STATE_DIR@
ExecReload=/bin/kill -HUP $MAINPID
Restart=always
RestartSec=5
RestartPreventExitStatus=78
KillMode=mixed
KillSignal=SIGTERM
TimeoutStopSec=30
StateDirectory=tether-agent
StateDirectoryMode=0711
UMask=0022
Environment=PYTHONUNBUFFERED=1

[Install]
WantedBy=multi-user.target
"""

_TEMPLATE = r"""#!/bin/sh
# Installs the tether agent @VERSION@ from the tether server @SERVER@ and registers this machine with it.
# Served by that server at /agent/install.sh. Run it as root on the new machine:
#   curl ... /agent/install.sh | sudo sh -s -- --id ACTIVATION_ID --code ACTIVATION_CODE
# Dependencies come from this machine's Python package index (pip's configuration; PIP_INDEX_URL overrides it).
set -eu

SERVER=@SERVER_Q@
VERSION=@VERSION_Q@
WHEEL=@WHEEL_Q@
WHEEL_SHA256=@SHA_Q@
PIN=@PIN_Q@
CA_PEM=@CA_Q@

usage() {
    cat <<'EOF'
usage: install.sh --id ACTIVATION_ID --code ACTIVATION_CODE [options]
  --id ID                   the activation id (tether activation create)
  --code CODE               the activation code (or $TETHER_ACTIVATION_CODE)
  --prefix DIR              where the Python environment with tether goes [/opt/tether]
  --state-dir DIR           the agent's state directory [/var/lib/tether-agent]
  --python PATH             the Python (3.11 or newer) to build the environment with [python3]
  --system-site-packages    let the environment use packages the system already has
  --index-url URL           the package index for tether's dependencies (sets PIP_INDEX_URL)
  --no-systemd              do not install and start the systemd unit; print how to run the agent instead
  --unit-dir DIR            where the unit goes [/etc/systemd/system]
  --force                   replace an existing registration in the state directory
EOF
}

fail() {
    echo "tether install: $*" >&2
    exit 1
}

need() {
    [ "$1" -ge 2 ] || fail "$2 needs a value (see --help)"
}

ID=''
CODE="${TETHER_ACTIVATION_CODE:-}"
PREFIX=/opt/tether
STATE_DIR=/var/lib/tether-agent
PYTHON=python3
SITE=''
SYSTEMD=1
UNIT_DIR=/etc/systemd/system
FORCE=''
while [ $# -gt 0 ]; do
    case "$1" in
        --id) need $# "$1"; ID=$2; shift 2 ;;
        --code) need $# "$1"; CODE=$2; shift 2 ;;
        --prefix) need $# "$1"; PREFIX=$2; shift 2 ;;
        --state-dir) need $# "$1"; STATE_DIR=$2; shift 2 ;;
        --python) need $# "$1"; PYTHON=$2; shift 2 ;;
        --system-site-packages) SITE=--system-site-packages; shift ;;
        --index-url) need $# "$1"; PIP_INDEX_URL=$2; export PIP_INDEX_URL; shift 2 ;;
        --unit-dir) need $# "$1"; UNIT_DIR=$2; shift 2 ;;
        --no-systemd) SYSTEMD=0; shift ;;
        --force) FORCE=--force; shift ;;
        -h|--help) usage; exit 0 ;;
        *) fail "unknown option $1 (see --help)" ;;
    esac
done
REGISTER=1
if [ -f "$STATE_DIR/agent.json" ] && [ -z "$FORCE" ]; then
    REGISTER=0  # an upgrade: keep the registration (--force registers anew)
else
    [ -n "$ID" ] || fail "give the activation id with --id"
    [ -n "$CODE" ] || fail "give the activation code with --code (or in TETHER_ACTIVATION_CODE)"
fi
for DIR in "$PREFIX" "$STATE_DIR"; do  # both go into the unit's ExecStart line as they are
    case "$DIR" in
        *[!A-Za-z0-9/._-]*) fail "$DIR: use a path of letters, digits and / . _ - only" ;;
        /*) ;;
        *) fail "$DIR is not an absolute path" ;;
    esac
done
command -v curl >/dev/null 2>&1 || fail "curl is needed"
command -v "$PYTHON" >/dev/null 2>&1 || fail "$PYTHON not found: install python3 (3.11 or newer), or give --python"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || fail "$PYTHON is older than Python 3.11"
if [ "$SYSTEMD" = 1 ]; then
    [ "$(id -u)" = 0 ] || fail "run this as root (... | sudo sh -s -- ...), or give --no-systemd"
    command -v systemctl >/dev/null 2>&1 || fail "systemctl not found: give --no-systemd and start the agent yourself"
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM HUP

fetch() {
    if [ -n "$PIN" ]; then
        curl --pinnedpubkey "$PIN" -k -fsSL -o "$2" "$SERVER$1"
    else
        curl -fsSL -o "$2" "$SERVER$1"
    fi
}

echo "tether install: downloading tether $VERSION from $SERVER"
fetch "/agent/$WHEEL" "$TMP/$WHEEL" || fail "cannot download $SERVER/agent/$WHEEL"
SUM='import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())'
GOT=$("$PYTHON" -c "$SUM" "$TMP/$WHEEL")
[ "$GOT" = "$WHEEL_SHA256" ] || fail "the downloaded $WHEEL has SHA-256 $GOT, not $WHEEL_SHA256: not installing it"

echo "tether install: creating the Python environment $PREFIX"
# shellcheck disable=SC2086
"$PYTHON" -m venv $SITE "$PREFIX" \
    || fail "cannot create a Python environment in $PREFIX (Debian/Ubuntu: apt-get install python3-venv)"
"$PREFIX/bin/python" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall "$TMP/$WHEEL" \
    || fail "pip could not install $WHEEL into $PREFIX"
"$PREFIX/bin/python" -m pip install -q --disable-pip-version-check "$TMP/$WHEEL" \
    || fail "pip could not install the dependencies of tether (check the package index, or PIP_INDEX_URL)"

if [ "$REGISTER" = 1 ]; then
    set -- --server "$SERVER" --activation-id "$ID" --state-dir "$STATE_DIR" --json
    if [ -n "$CA_PEM" ]; then
        printf '%s\n' "$CA_PEM" > "$TMP/ca.pem"
        set -- "$@" --ca-cert "$TMP/ca.pem"
    fi
    [ -z "$FORCE" ] || set -- "$@" "$FORCE"
    echo "tether install: registering this machine with $SERVER"
    OUT=$(TETHER_ACTIVATION_CODE="$CODE" "$PREFIX/bin/tether" agent register "$@") || fail "registration failed"
    INSTANCE=$(printf '%s\n' "$OUT" | sed -n 's/.*"InstanceId": *"\([^"]*\)".*/\1/p')
else
    INSTANCE=$(sed -n 's/.*"instance_id": *"\([^"]*\)".*/\1/p' "$STATE_DIR/agent.json")
    echo "tether install: $STATE_DIR is registered already (as ${INSTANCE:-?}); keeping it (--force registers anew)"
fi

if [ "$SYSTEMD" = 1 ]; then
    UNIT="$UNIT_DIR/tether-agent.service"
    cat > "$UNIT.tmp" <<'EOF'
@UNIT@EOF
    sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@STATE_DIR@|$STATE_DIR|g" "$UNIT.tmp" > "$UNIT"
    rm -f "$UNIT.tmp"
    systemctl daemon-reload
    systemctl enable tether-agent
    systemctl restart tether-agent  # starts it, or restarts an agent of an earlier install on the new version
    echo "tether install: $INSTANCE registered; the agent runs as tether-agent.service (systemctl status tether-agent)"
else
    echo "tether install: $INSTANCE registered; start the agent with:"
    echo "  $PREFIX/bin/tether agent run --state-dir $STATE_DIR"
fi
"""


def render_install_script(
    *, server: str, version: str, wheel: str, wheel_sha256: str, pin: str | None, ca_pem: str | None
) -> str:
    """The installer with this server's values filled in (each shell-quoted)."""
    values = {
        "@SERVER_Q@": shlex.quote(server),
        "@VERSION_Q@": shlex.quote(version),
        "@WHEEL_Q@": shlex.quote(wheel),
        "@SHA_Q@": shlex.quote(wheel_sha256),
        "@PIN_Q@": shlex.quote(pin or ""),
        "@CA_Q@": shlex.quote((ca_pem or "").strip()),
        "@SERVER@": server.replace("\n", " "),
        "@VERSION@": version.replace("\n", " "),
        "@UNIT@": AGENT_UNIT,
    }
    text = _TEMPLATE
    for key, value in values.items():
        text = text.replace(key, value)
    return text
