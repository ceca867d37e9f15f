# bench/need.sh: sourced by the benchmarks. need COMMAND PACKAGE: installs PACKAGE with apt-get
# when COMMAND is missing and we are root (benchmarks only; sbox itself never uses them), else
# says what to install and stops.
need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
    else
        echo "bench: $1 is missing: install $2" >&2
        exit 1
    fi
}
