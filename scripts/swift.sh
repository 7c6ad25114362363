#!/usr/bin/env bash
# A one-machine OpenStack Swift with its S3 API, for the test suite and local trials.
#
#   scripts/swift.sh start DIR [PORT]   install packages if missing, configure, start, wait
#   scripts/swift.sh stop DIR           stop the processes recorded in DIR/run
#   scripts/swift.sh status DIR         exit 0 when the proxy answers /healthcheck
#
# Everything lives under DIR: etc/ (configs, rings), data/ (one device), run/ (PID files),
# log/ (one file per server) and s3.env (the endpoint and test keys, shell syntax).
# Ports on 127.0.0.1: proxy PORT (default 8090), object PORT+1, container PORT+2,
# account PORT+3, memcached PORT+4. Debian packages (Swift 2.30 on Debian 12); installing
# them needs root. Tunables: SWIFT_WORKERS (default 2), SWIFT_LOG_LEVEL (default WARNING),
# SWIFT_PYTHON (default /usr/bin/python3), SWIFT_START_TIMEOUT (seconds, default 90).
set -euo pipefail

ACCOUNT=test
USER_NAME=tester
KEY=testing
REGION=us-east-1
PYTHON=${SWIFT_PYTHON:-/usr/bin/python3}
PACKAGES="swift swift-proxy swift-object swift-container swift-account python3-swift memcached curl procps iproute2"
SERVERS="account container object proxy"

say() { echo "[swift] $*" >&2; }
fail() { echo "[swift] error: $*" >&2; exit 1; }

install_missing() {
    local missing="" package
    for package in $PACKAGES; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
            || missing="$missing $package"
    done
    [ -z "$missing" ] && return 0
    [ "$(id -u)" = 0 ] || fail "missing packages:$missing (run as root to install them)"
    say "installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    # The packages' postinst scripts cannot start services without an init system; the
    # servers are started below instead.
    # shellcheck disable=SC2086
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >&2 || {
        apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
        # shellcheck disable=SC2086
        apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >&2
    }
}

pid_of() { [ -f "$1" ] && tr -dc '0-9' <"$1" || true; }
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
healthy() { [ "$(curl -s -m 2 "http://127.0.0.1:$1/healthcheck" 2>/dev/null || true)" = OK ]; }

server_conf() {  # $1 dir, $2 name, $3 port, $4 workers, $5 pipeline, $6 extra sections
    cat >"$1/etc/$2-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $3
workers = $4
user = $(id -un)
swift_dir = $1/etc
devices = $1/data
mount_check = false
log_name = $2-server
log_level = ${SWIFT_LOG_LEVEL:-WARNING}

[pipeline:main]
pipeline = $5

[app:$2-server]
use = egg:swift#$2
$6
[filter:healthcheck]
use = egg:swift#healthcheck
EOF
}

write_configs() {  # $1 dir, $2 port
    local dir=$1 port=$2 workers=${SWIFT_WORKERS:-2}
    cat >"$dir/etc/swift.conf" <<EOF
[swift-hash]
swift_hash_path_prefix = wikiupload-tests
swift_hash_path_suffix = wikiupload-tests

[storage-policy:0]
name = default
default = yes
EOF
    # Swift reads swift.conf from a fixed path in /etc; this launcher points it at the
    # copy beside the server's config, so nothing outside DIR is touched.
    cat >"$dir/etc/launch.py" <<'EOF'
import os
import sys

from swift.common import utils

utils.SWIFT_CONF_FILE = os.path.join(os.path.dirname(os.path.abspath(sys.argv[2])),
                                     "swift.conf")
from swift.common.wsgi import run_wsgi  # noqa: E402

server = sys.argv.pop(1)
conf_file, options = utils.parse_options()
sys.exit(run_wsgi(conf_file, server, **options))
EOF
    server_conf "$dir" account $((port + 3)) 1 "healthcheck account-server" ""
    server_conf "$dir" container $((port + 2)) 1 "healthcheck container-server" ""
    server_conf "$dir" object $((port + 1)) "$workers" "healthcheck object-server" ""
    # s3api before tempauth; copy serves CopyObject/UploadPartCopy; slo assembles multipart.
    server_conf "$dir" proxy "$port" "$workers" \
        "catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server" \
        "account_autocreate = true
allow_account_management = true

[filter:s3api]
use = egg:swift#s3api
location = $REGION
allow_multipart_uploads = true
max_upload_part_num = 10000
min_segment_size = 5242880
s3_acl = false

[filter:tempauth]
use = egg:swift#tempauth
user_${ACCOUNT}_${USER_NAME} = $KEY .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$((port + 4))

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo
max_manifest_segments = 10000

[filter:dlo]
use = egg:swift#dlo
"
}

build_rings() {  # $1 dir, $2 port: one device, one replica, part power 8
    local stamp="$1/etc/rings.stamp"
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$2" ] && [ -f "$1/etc/object.ring.gz" ] && return 0
    "$PYTHON" - "$1/etc" "$2" <<'EOF' || fail "could not build the rings"
import os
import sys

from swift.common.ring import RingBuilder

etc, port = sys.argv[1], int(sys.argv[2])
for name, offset in (("object", 1), ("container", 2), ("account", 3)):
    builder = RingBuilder(8, 1, 0)
    builder.add_dev({"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1", "port": port + offset,
                     "replication_ip": "127.0.0.1", "replication_port": port + offset,
                     "device": "d1", "weight": 100, "meta": ""})
    builder.rebalance()
    builder.get_ring().save(os.path.join(etc, name + ".ring.gz"))
EOF
    echo "$2" >"$stamp"
}

launch() {  # $1 pid file, $2 log file, then the command
    local pidfile=$1 logfile=$2
    shift 2
    # Each server leads its own session: Swift signals its whole process group on exit.
    setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" </dev/null >>"$logfile" 2>&1 &
    local i
    for i in $(seq 50); do [ -s "$pidfile" ] && return 0; sleep 0.1; done
    fail "could not start $*"
}

write_env() {  # $1 dir, $2 port
    cat >"$1/s3.env" <<EOF
S3_ENDPOINT=http://127.0.0.1:$2
S3_ACCESS_KEY=$ACCOUNT:$USER_NAME
S3_SECRET_KEY=$KEY
S3_REGION=$REGION
EOF
    echo "S3 endpoint http://127.0.0.1:$2 (path style, region $REGION), keys in $1/s3.env"
}

authenticated() {  # $1 port: a token from tempauth, then a request with it
    local headers url token
    headers=$(curl -s -m 5 -D - -o /dev/null -H "X-Auth-User: $ACCOUNT:$USER_NAME" \
        -H "X-Auth-Key: $KEY" "http://127.0.0.1:$1/auth/v1.0" | tr -d '\r' || true)
    url=$(sed -n 's/^[Xx]-[Ss]torage-[Uu]rl: //p' <<<"$headers")
    token=$(sed -n 's/^[Xx]-[Aa]uth-[Tt]oken: //p' <<<"$headers")
    [ -n "$url" ] && [ -n "$token" ] || return 1
    case $(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $token" "$url") in
        2??) return 0 ;;
    esac
    return 1
}

start() {
    [ $# -ge 1 ] || usage
    mkdir -p "$1"
    local dir port
    dir=$(cd "$1" && pwd -P)
    port=${2:-8090}
    case $port in '' | *[!0-9]*) fail "bad port: $port" ;; esac
    install_missing
    mkdir -p "$dir/etc" "$dir/data/d1" "$dir/run" "$dir/log"
    local running=1 name p
    for name in memcached $SERVERS; do alive "$(pid_of "$dir/run/$name.pid")" || running=0; done
    if [ "$running" = 1 ] && healthy "$port"; then
        say "already running in $dir"
        write_env "$dir" "$port"
        return 0
    fi
    stop "$dir" quiet
    for p in "$port" $((port + 1)) $((port + 2)) $((port + 3)) $((port + 4)); do
        ! ss -ltnH "sport = :$p" 2>/dev/null | grep -q . || fail "port $p is in use"
    done
    write_configs "$dir" "$port"
    build_rings "$dir" "$port"
    local as_root=()
    [ "$(id -u)" = 0 ] && as_root=(-u root)
    launch "$dir/run/memcached.pid" "$dir/log/memcached.log" \
        memcached -l 127.0.0.1 -p $((port + 4)) -U 0 -m 64 "${as_root[@]}"
    for name in $SERVERS; do
        launch "$dir/run/$name.pid" "$dir/log/$name.log" \
            "$PYTHON" "$dir/etc/launch.py" "$name-server" "$dir/etc/$name-server.conf" -v
    done
    local deadline=$(($(date +%s) + ${SWIFT_START_TIMEOUT:-90}))
    until healthy "$port" && healthy $((port + 1)) && healthy $((port + 2)) \
        && healthy $((port + 3)) && authenticated "$port"; do
        for name in memcached $SERVERS; do
            alive "$(pid_of "$dir/run/$name.pid")" || {
                tail -n 20 "$dir/log/$name.log" >&2 || true
                fail "$name stopped during start-up (log: $dir/log/$name.log)"
            }
        done
        [ "$(date +%s)" -lt "$deadline" ] || fail "Swift did not answer in time (logs: $dir/log)"
        sleep 0.2
    done
    write_env "$dir" "$port"
}

stop() {
    [ $# -ge 1 ] || usage
    local dir=$1 quiet=${2:-}
    [ -d "$dir/run" ] || return 0
    dir=$(cd "$dir" && pwd -P)
    local name pid stopped=()
    for name in proxy object container account memcached; do
        pid=$(pid_of "$dir/run/$name.pid")
        # only a process this script started: its command line names DIR (or memcached)
        if alive "$pid" && ps -o args= -p "$pid" | grep -q -e "$dir" -e memcached; then
            kill -TERM "$pid" 2>/dev/null || true
            stopped+=("$pid")
        fi
    done
    local deadline=$(($(date +%s) + 15))
    for pid in "${stopped[@]}"; do
        while alive "$pid" && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.1; done
        if alive "$pid"; then
            # the server leads its own process group (setsid): end its workers with it
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    rm -f "$dir"/run/*.pid
    [ -n "$quiet" ] || say "stopped ${#stopped[@]} processes"
}

status() {
    [ $# -ge 1 ] || usage
    [ -f "$1/s3.env" ] || { echo "not started"; return 1; }
    local port
    port=$(sed -n 's/^S3_ENDPOINT=http:\/\/127.0.0.1://p' "$1/s3.env")
    if healthy "$port"; then echo "running on port $port"; else echo "not answering"; return 1; fi
}

usage() {
    echo "usage: $0 start DIR [PORT] | stop DIR | status DIR" >&2
    exit 2
}

command=${1:-}
[ $# -gt 0 ] && shift
case $command in
    start) start "$@" ;;
    stop) stop "$@" ;;
    status) status "$@" ;;
    *) usage ;;
esac
