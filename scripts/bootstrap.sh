#!/usr/bin/env bash
# Installs every Debian package Invoicehub needs to build, test and run.
# Idempotent: packages already present are skipped, and `apt-get update` runs
# only when something is missing. Works as root or as a user with sudo.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libabsl-dev
  libsoci-dev libpq-dev libboost-dev
  postgresql-15 postgresql-client-15
  libcurl4-openssl-dev libssl-dev
  libcpp-httplib-dev nlohmann-json3-dev
  libcairo2-dev libpango1.0-dev poppler-utils fonts-dejavu-core fonts-wqy-microhei
  libspdlog-dev libfmt-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  curl ca-certificates tzdata jq
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  echo "bootstrap: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null ||
    { echo "bootstrap: missing ${missing[*]}; run this script as root or install sudo" >&2; exit 1; }
  SUDO="sudo"
fi

echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
