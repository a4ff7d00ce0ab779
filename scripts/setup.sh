#!/usr/bin/env bash
# Idempotent set-up: a virtual environment in .venv with symnet installed (editable, with the
# test extras), and Graphviz's `dot`, which symnet calls to draw diagrams.
# Usage: scripts/setup.sh   (PYTHON=python3.12 scripts/setup.sh picks the interpreter)
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
VENV=.venv
STAMP="$VENV/.installed"

if [ ! -x "$VENV/bin/python" ]; then
    echo "Creating $VENV with $PYTHON"
    "$PYTHON" -m venv "$VENV"
fi

# Re-install only when pyproject.toml changed since the last successful install.
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e '.[test]'
    touch "$STAMP"
fi

if ! command -v dot >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        echo "Installing Graphviz (dot) with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends graphviz >/dev/null
    else
        echo "Graphviz's 'dot' is missing; install it with: sudo apt-get install graphviz" >&2
        exit 1
    fi
fi

# Chromium renders the HTML reports in tests/test_report_browser.py (skipped without it).
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        echo "Installing Chromium (for the report's browser test) with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; } \
            || echo "Note: Chromium could not be installed; the report's browser test will be skipped" >&2
    else
        echo "Note: Chromium is missing, so the report's browser test will be skipped;" \
            "install it with: sudo apt-get install chromium" >&2
    fi
fi
