#!/usr/bin/env bash
# The system packages the test suite drives: Debian's chromium (the browser tests), nginx-light
# (the TLS tests put it in front of a node) and dovecot-imapd (the IMAP server that `fedcop mail`
# polls in tests/mail/test_imap_polling.py). Installs whichever is missing, with apt-get as root
# or through sudo; says what to do when it can do neither. Everything else the tests need comes
# from pip (pyproject.toml's `test` extra) and tests/peers/package-lock.json.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then
  run=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  run=(sudo)
else
  echo "the tests need these Debian packages: ${missing[*]}." >&2
  echo "install them (apt-get install ${missing[*]}) as root, then run the tests again." >&2
  exit 1
fi
echo "installing ${missing[*]}"
"${run[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${run[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
