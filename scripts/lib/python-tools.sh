# Sourced by scripts/setup.sh, scripts/test.sh, scripts/client-journey.sh and scripts/fuzz.sh:
# the PyPI tools they use, pinned, each in a virtualenv of its own (their dependencies disagree)
# under $POSTPILOT_PYTHON_TOOLS (default ~/.cache/postpilot/python). Installed once, then reused.

OPENAPI_PYTHON_CLIENT_VERSION=0.29.1
SCHEMATHESIS_VERSION=4.32.5
# The S3 API the media-library tests run against (moto in server mode).
MOTO_VERSION=5.2.1
POSTPILOT_PYTHON_TOOLS="${POSTPILOT_PYTHON_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/postpilot/python}"

# python_tool PACKAGE VERSION: prints the virtualenv holding PACKAGE==VERSION, installing it
# from PyPI first when it is not there yet.
python_tool() {
  local package=$1 version=$2
  local venv="$POSTPILOT_PYTHON_TOOLS/$package-$version"
  if [ ! -f "$venv/.installed" ]; then
    printf '\033[1;35m==>\033[0m installing %s %s (PyPI) into %s\n' "$package" "$version" "$venv" >&2
    # Called inside $(…), where errexit does not reach: each step stops the function itself,
    # so a failed install is never marked installed.
    rm -rf "$venv"
    python3 -m venv "$venv" >&2 || return 1
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$package==$version" >&2 \
      || return 1
    touch "$venv/.installed"
  fi
  printf '%s\n' "$venv"
}
