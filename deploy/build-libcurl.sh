#!/usr/bin/env bash
# Builds the libcurl that bootstrap links in release: Debian's own curl source package (with Debian's security
# patches), configured for HTTP and HTTPS only and built as a static library, with Debian's OpenSSL linked in
# statically too, and one patch of ours (deploy/curl-lazy-openssl-init.patch): OpenSSL is initialised at the first
# TLS connection instead of in curl_global_init, so a function that never speaks HTTPS (echo, presign with an
# authorizer's claims, pretoken) never initialises it.
#
# Why: Debian's libcurl4 pulls in some 30 shared libraries (GnuTLS via librtmp, Kerberos, LDAP, SSH, IDN, PSL,
# nghttp2, brotli, zstd, p11-kit...). Loading and initialising them costs about 8 ms of cold start and 6 MB of
# resident memory, for protocols a Lambda runtime never speaks. A static OpenSSL needs no loading or symbol
# binding at start, and only the parts curl calls are linked; the zip carries its OpenSSL inside bootstrap
# instead of as libssl.so.3 and libcrypto.so.3. Either way it is Debian's build, updated by rebuilding the zip.
#
# Usage: deploy/build-libcurl.sh [PREFIX]     (default: .build-curl, which git ignores)
# Then:  PKG_CONFIG_PATH=PREFIX/lib/pkgconfig swift build -c release --static-swift-stdlib ...
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
prefix=${1:-$root/.build-curl}
mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)
work="$prefix/work"

# Protocols and features a Lambda needs: HTTP/1.1 over TCP, TLS through OpenSSL, nothing else.
configure_flags=(
    --disable-shared --enable-static --with-pic
    --with-openssl
    --without-libidn2 --without-libpsl --without-nghttp2 --without-librtmp --without-libssh2
    --without-brotli --without-zstd --without-zlib --without-gssapi
    --disable-ldap --disable-ldaps --disable-rtsp --disable-dict --disable-telnet --disable-tftp
    --disable-pop3 --disable-imap --disable-smb --disable-smtp --disable-gopher --disable-mqtt
    --disable-file --disable-ftp --disable-ntlm --disable-ntlm-wb
    --disable-alt-svc --disable-cookies --disable-netrc --disable-doh --disable-mime
    --disable-unix-sockets --disable-manual --disable-libcurl-option --disable-dependency-tracking
)
# No multi-handle wakeup socketpair: bootstrap never calls curl_multi_wakeup, and without it each request makes
# one poll(2) fewer.
cppflags="-DCURL_DISABLE_SOCKETPAIR"
patch_file="$root/deploy/curl-lazy-openssl-init.patch"
stamp="$prefix/.stamp"
want="$(printf '%s ' "${configure_flags[@]}") CPPFLAGS=$cppflags patch=$(sha256sum "$patch_file" | cut -c1-16) openssl=static"

step() { printf '==> %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if [ -f "$prefix/lib/libcurl.a" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    step "minimal libcurl already built in $prefix"
    exit 0
fi

needed=()
command -v dpkg-source >/dev/null || needed+=(dpkg-dev)
command -v make >/dev/null || needed+=(make)
command -v gcc >/dev/null || needed+=(gcc)
command -v patch >/dev/null || needed+=(patch)
dpkg -s libssl-dev >/dev/null 2>&1 || needed+=(libssl-dev)
if [ ${#needed[@]} -gt 0 ]; then
    step "installing build tools: ${needed[*]}"
    as_root apt-get update -qq
    as_root apt-get install -y -qq "${needed[@]}" >/dev/null
fi

rm -rf "$work"
mkdir -p "$work/lists/partial" "$work/parts"
cd "$work"
# A private source list: the machine's own apt configuration is left untouched.
. /etc/os-release
cat >"$work/parts/debian-src.sources" <<SOURCES
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: ${VERSION_CODENAME} ${VERSION_CODENAME}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: ${VERSION_CODENAME}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
apt_private=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$work/parts" -o "Dir::State::Lists=$work/lists")
step "fetching Debian's curl source package"
apt-get "${apt_private[@]}" update -qq
# apt checks the files against the signed Sources index of the archive keyring.
apt-get "${apt_private[@]}" source --download-only curl >"$work/fetch.log" 2>&1 || {
    cat "$work/fetch.log"
    exit 1
}
dsc=$(ls curl_*.dsc | head -1)
step "unpacking $dsc with Debian's patches"
dpkg-source -x "$dsc" src >"$work/unpack.log" 2>&1 || {
    cat "$work/unpack.log"
    exit 1
}

cd src
step "applying $(basename "$patch_file")"
patch -p1 --forward --batch <"$patch_file" >"$work/patch.log" 2>&1 || {
    cat "$work/patch.log"
    echo "error: $(basename "$patch_file") no longer applies to $dsc; update it for the new lib/vtls/openssl.c" >&2
    exit 1
}
step "configuring (HTTP and HTTPS only)"
./configure --prefix="$prefix" "${configure_flags[@]}" CPPFLAGS="$cppflags" >"$work/configure.log" 2>&1 || {
    tail -30 "$work/configure.log"
    exit 1
}
step "building libcurl.a"
make -j"$(nproc)" -C lib >"$work/make.log" 2>&1 || {
    tail -30 "$work/make.log"
    exit 1
}
make -C lib install >/dev/null
make -C include install >/dev/null

version=$(sed -n 's/^#define LIBCURL_VERSION "\(.*\)"/\1/p' "$prefix/include/curl/curlver.h")
mkdir -p "$prefix/lib/pkgconfig"
# SwiftPM reads Libs, not Libs.private: name the static archives, OpenSSL's among them, here.
cat >"$prefix/lib/pkgconfig/libcurl.pc" <<PC
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: libcurl
Description: libcurl for UploadEdge's bootstrap (HTTP and HTTPS only, static)
Version: $version
Libs: -L\${libdir} -l:libcurl.a -l:libssl.a -l:libcrypto.a -lpthread
Cflags: -I\${includedir}
PC
printf '%s' "$want" >"$stamp"
rm -rf "$work"
step "minimal libcurl $version in $prefix ($(du -h "$prefix/lib/libcurl.a" | cut -f1))"
