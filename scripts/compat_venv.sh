#!/usr/bin/env bash
# Build .venv-compat: a Python >= 3.12 virtualenv holding the official client, timeback-core,
# pinned. tests/compat/test_official_client.py runs it (TIMEBACK_COMPAT_PYTHON or .venv-compat).
#
#   scripts/compat_venv.sh            # create or reuse .venv-compat
#   COMPAT_PYTHON=/path/python3.13 scripts/compat_venv.sh
set -euo pipefail

TIMEBACK_CORE_VERSION="0.4.0"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${COMPAT_VENV:-$ROOT/.venv-compat}"

is_312_plus() {
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null
}

find_python() {
  local candidate
  if [ -n "${COMPAT_PYTHON:-}" ]; then
    if is_312_plus "$COMPAT_PYTHON"; then echo "$COMPAT_PYTHON"; return 0; fi
    echo "COMPAT_PYTHON=$COMPAT_PYTHON is not a Python >= 3.12" >&2
    return 1
  fi
  for candidate in python3.13 python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && is_312_plus "$(command -v "$candidate")"; then
      command -v "$candidate"
      return 0
    fi
  done
  for candidate in /root/.pyenv/versions/*/bin/python3 "$HOME"/.pyenv/versions/*/bin/python3; do
    if [ -x "$candidate" ] && is_312_plus "$candidate"; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if [ -x "$VENV/bin/python" ] && is_312_plus "$VENV/bin/python" \
  && "$VENV/bin/python" -c "import importlib.metadata as m, sys; \
sys.exit(0 if m.version('timeback-core') == '$TIMEBACK_CORE_VERSION' else 1)" 2>/dev/null; then
  echo "$VENV is ready (timeback-core $TIMEBACK_CORE_VERSION)"
  exit 0
fi

if ! PYTHON="$(find_python)"; then
  cat >&2 <<MSG
No Python >= 3.12 found (looked for python3.13, python3.12, python3 on PATH and under
~/.pyenv/versions/*/bin/). The official client timeback-core needs Python >= 3.12.
Install one (e.g. 'pyenv install 3.12') or set COMPAT_PYTHON=/path/to/python3.12.
MSG
  exit 1
fi

echo "Using $PYTHON ($("$PYTHON" --version 2>&1)) for $VENV"
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "timeback-core==$TIMEBACK_CORE_VERSION"
"$VENV/bin/python" -c "import timeback_core, timeback_oneroster; print('timeback-core ready')"
echo "export TIMEBACK_COMPAT_PYTHON=$VENV/bin/python"
