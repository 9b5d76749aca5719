#!/usr/bin/env bash
# Installs the Debian 12 packages Magpie needs to build, run and test.
# Usage: scripts/deps.sh [--test]   (--test adds what the test suite needs)
set -euo pipefail
pkgs=(build-essential cmake ninja-build ccache pkg-config
      libboost1.81-dev libboost-json1.81-dev libssl-dev libsqlite3-dev
      libtomlplusplus-dev libfmt-dev libcli11-dev libcrypt-dev libunbound-dev
      libmagic-dev libarchive-dev libclamav-dev publicsuffix)
if [[ "${1:-}" == "--test" ]]; then
  # Every optional piece a test tool needs is listed explicitly: apt-get below runs with
  # --no-install-recommends, so a Recommends (swaks -> libnet-ssleay-perl for TLS) is
  # never pulled in on a fresh machine. The check at the end verifies the result.
  pkgs+=(libgtest-dev libgmock-dev python3 python3-pytest clang libclang-rt-14-dev
         swaks libnet-ssleay-perl libio-socket-ssl-perl libauthen-sasl-perl
         python3-dkim python3-nacl python3-dnspython openssl ca-certificates
         unbound postfix dovecot-core fetchmail isync offlineimap3
         clamav-testfiles clamav-daemon clamdscan procps iproute2
         dovecot-dev autoconf automake libtool  # to build imaptest (test_imaptest.py)
         spamassassin)  # its examples/sample-spam.txt: the GTUBE tests' vector
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq
  # Postfix, unbound and clamd are test peers run privately by the tests: no system
  # configuration, and no service started by the package scripts (so clamav-freshclam,
  # pulled in by clamav-daemon, never downloads signatures).
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  added_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    added_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if ((added_policy)); then $SUDO rm -f /usr/sbin/policy-rc.d; fi
fi

# Verifies that every test tool is there *with* the optional pieces the tests use, so a
# missing Recommends fails here with a clear message instead of as a test failure later.
if [[ "${1:-}" == "--test" ]]; then
  problems=()
  for exe in swaks mbsync offlineimap fetchmail unbound postfix /usr/sbin/smtp-sink dovecot \
             clamd clang openssl; do
    command -v "$exe" >/dev/null || problems+=("$exe is not installed")
  done
  support=$(swaks --support 2>&1)
  grep -q "^=== TLS supported" <<<"$support" || problems+=("swaks cannot do TLS (libnet-ssleay-perl)")
  grep -q "^=== Basic AUTH supported" <<<"$support" || problems+=("swaks cannot do AUTH")
  /usr/bin/python3 -c 'import pytest, dkim, nacl, dns.resolver, sqlite3, ssl' 2>/dev/null ||
    problems+=("python3 lacks pytest, dkim, nacl, dnspython, sqlite3 or ssl")
  [[ -f /usr/share/doc/spamassassin/examples/sample-spam.txt ]] ||
    problems+=("spamassassin's examples/sample-spam.txt (the GTUBE vector) is missing")
  for exe in autoreconf libtoolize; do
    command -v "$exe" >/dev/null || problems+=("$exe is not installed (imaptest build)")
  done
  [[ -f /usr/share/dovecot/dovecot-config || -f /usr/lib/dovecot/dovecot-config ]] ||
    problems+=("dovecot-dev's dovecot-config is missing (imaptest build)")
  if ((${#problems[@]})); then
    printf 'deps.sh: %s\n' "${problems[@]}" >&2
    exit 1
  fi
fi
