# Sourced by scripts/serve and scripts/test: create .venv if there is none, and activate it.
#
# The interpreter: $WIKIUPLOAD_PYTHON if set; else the distribution's /usr/bin/python3 when it
# is 3.11 or newer; else the first python3 on PATH. Debian's is built with profile-guided
# and link-time optimisation, which a Python built from source (pyenv, python-build) lacks
# unless asked for: a small upload costs its server about an eighth less CPU on Debian's
# (docs/performance.md).

_is_usable_python() {
    "$1" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null
}

if [ ! -x .venv/bin/python ]; then
    python=${WIKIUPLOAD_PYTHON:-}
    if [ -z "$python" ]; then
        if _is_usable_python /usr/bin/python3; then python=/usr/bin/python3; else python=python3; fi
    fi
    if ! _is_usable_python "$python"; then
        echo "wikiupload needs Python 3.11 or newer ($python is not)" >&2; exit 1
    fi
    if ! "$python" -m venv .venv 2>/dev/null; then
        rm -rf .venv
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
        "$python" -m venv .venv
    fi
fi
. .venv/bin/activate
