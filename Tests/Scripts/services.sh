#!/usr/bin/env bash
# Starts and stops the services the tests talk to, on 127.0.0.1 only, with their state under .build-services/:
#
#   services.sh start   LocalStack (S3 with strict presigned-URL and POST-policy checks, KMS, SQS) on port 4566,
#                       and moto_server (Cognito user pools with real RS256 tokens and a JWKS) on port 5000
#   services.sh start moto   moto_server only (upload-edge serve --s3 moto: S3, SQS and Cognito in one process)
#   services.sh stop    stops what start started, and nothing else
#   services.sh env     prints the variables the tests read (UPLOAD_EDGE_LOCALSTACK=…, UPLOAD_EDGE_MOTO=…)
#
# LocalStack needs Python 3.13 (pyenv has it on these machines; set LS_PYTHON otherwise). Its first start builds a
# venv from Tests/Scripts/localstack-requirements.txt (about a minute); later starts take a few seconds.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
home="$root/.build-services"
localstack_port=${LOCALSTACK_PORT:-4566}
moto_port=${MOTO_PORT:-5000}
# moto comes from the tests' venv (Tests/Scripts/requirements.txt), which `make test` builds first.
venv_python=${UPLOAD_EDGE_PYTHON:-$root/.build-venv/bin/python}
mkdir -p "$home"

step() { printf '==> %s\n' "$*" >&2; }

# wait_ready NAME URL PID_FILE LOG SECONDS: until URL answers, the process dies, or SECONDS pass.
wait_ready() {
    local name=$1 url=$2 pid_file=$3 log=$4 seconds=$5 attempt
    for attempt in $(seq 1 $((seconds * 10))); do
        if curl -fsS "$url" >/dev/null 2>&1; then
            step "$name ready after $((attempt / 10)).$((attempt % 10)) s"
            return
        fi
        if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
            tail -20 "$log" >&2
            echo "$name exited during start; its log is $log" >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "$name did not answer within $seconds s; see $log" >&2
    exit 1
}

find_python313() {
    if [ -n "${LS_PYTHON:-}" ]; then echo "$LS_PYTHON"; return; fi
    local candidate
    for candidate in "$(pyenv root 2>/dev/null)"/versions/3.13*/bin/python python3.13; do
        if "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 13)' >/dev/null 2>&1; then
            echo "$candidate"
            return
        fi
    done
    echo "LocalStack needs Python 3.13: install it (pyenv install 3.13) or set LS_PYTHON" >&2
    exit 1
}

start_localstack() {
    local pid_file="$home/localstack.pid"
    if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
        step "LocalStack already running on 127.0.0.1:$localstack_port"
        return
    fi
    local venv="$home/localstack-venv"
    local stamp="$venv/.requirements"
    if [ ! -x "$venv/bin/python" ] || ! cmp -s "$root/Tests/Scripts/localstack-requirements.txt" "$stamp"; then
        step "building LocalStack's Python 3.13 venv (first run only, about a minute)"
        rm -rf "$venv"
        "$(find_python313)" -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/Tests/Scripts/localstack-requirements.txt"
        cp "$root/Tests/Scripts/localstack-requirements.txt" "$stamp"
    fi
    rm -rf "$home/localstack-data"
    mkdir -p "$home/localstack-data"
    step "starting LocalStack (S3, KMS, SQS) on 127.0.0.1:$localstack_port"
    # OVERRIDE_IN_DOCKER=0 and FILESYSTEM_ROOT keep it out of /var/lib and /tmp/localstack; hypercorn honours
    # the 127.0.0.1 bind; S3_SKIP_SIGNATURE_VALIDATION=0 makes S3 check presigned signatures and POST policies.
    OVERRIDE_IN_DOCKER=0 FILESYSTEM_ROOT="$home/localstack-data" \
        GATEWAY_LISTEN="127.0.0.1:$localstack_port" LOCALSTACK_HOST="127.0.0.1:$localstack_port" \
        SERVICES=s3,kms,sqs EAGER_SERVICE_LOADING=1 GATEWAY_SERVER=hypercorn S3_SKIP_SIGNATURE_VALIDATION=0 \
        DNS_ADDRESS=0 SKIP_SSL_CERT_DOWNLOAD=1 DISABLE_EVENTS=1 \
        setsid "$venv/bin/python" -m localstack.runtime.main >"$home/localstack.log" 2>&1 &
    echo $! >"$pid_file"
    wait_ready LocalStack "http://127.0.0.1:$localstack_port/_localstack/health" "$pid_file" "$home/localstack.log" 60
}

start_moto() {
    local pid_file="$home/moto.pid"
    if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
        step "moto_server already running on 127.0.0.1:$moto_port"
        return
    fi
    local moto_server
    moto_server="$(dirname "$venv_python")/moto_server"
    if [ ! -x "$moto_server" ]; then
        echo "moto_server is not in $(dirname "$venv_python"); run make test-deps (it installs Tests/Scripts/requirements.txt)" >&2
        exit 1
    fi
    step "starting moto_server (Cognito) on 127.0.0.1:$moto_port"
    setsid "$moto_server" -H 127.0.0.1 -p "$moto_port" >"$home/moto.log" 2>&1 &
    echo $! >"$pid_file"
    wait_ready moto_server "http://127.0.0.1:$moto_port/moto-api/" "$pid_file" "$home/moto.log" 30
}

stop_pid_file() {
    local pid_file=$1 name=$2
    [ -f "$pid_file" ] || return 0
    local pid
    pid=$(cat "$pid_file")
    if kill -0 "$pid" 2>/dev/null; then
        step "stopping $name"
        # setsid made it a process group leader: stop the group.
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 150); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    rm -f "$pid_file"
}

case "${1:-}" in
    start)
        case "${2:-all}" in
            all) start_localstack; start_moto ;;
            moto) start_moto ;;
            *) echo "usage: $0 start [all|moto]" >&2; exit 2 ;;
        esac
        ;;
    stop)
        stop_pid_file "$home/moto.pid" moto_server
        stop_pid_file "$home/localstack.pid" LocalStack
        ;;
    env) echo "UPLOAD_EDGE_LOCALSTACK=http://127.0.0.1:$localstack_port UPLOAD_EDGE_MOTO=http://127.0.0.1:$moto_port" ;;
    *)
        echo "usage: $0 start|stop|env" >&2
        exit 2
        ;;
esac
