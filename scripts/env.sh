# Sourced by demo.sh and test.sh: a Python 3.11 virtual environment with the locked
# dependencies, reused across clones, keyed by a hash of requirements.lock.
# TAGGRAPH_VENV overrides its location.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python_bin="${TAGGRAPH_PYTHON:-python3.11}"
if ! command -v "$python_bin" >/dev/null 2>&1; then
  echo "error: $python_bin is needed (set TAGGRAPH_PYTHON to another Python 3.11)" >&2
  exit 1
fi
key="$( (cat "$repo/requirements.lock"; "$python_bin" -c 'import sys; print(sys.version)') | sha256sum | cut -c1-16)"
venv="${TAGGRAPH_VENV:-$HOME/.cache/taggraph/venv-$key}"

if [ ! -f "$venv/.taggraph-complete" ]; then
  echo "creating the environment in $venv (torch and friends: several GB, a few minutes) ..."
  rm -rf "$venv"
  "$python_bin" -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade "pip>=24"
  "$venv/bin/pip" install --quiet -r "$repo/requirements.lock"
  touch "$venv/.taggraph-complete"
fi
"$venv/bin/pip" install --quiet --no-deps --no-build-isolation -e "$repo"
export PATH="$venv/bin:$PATH"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
