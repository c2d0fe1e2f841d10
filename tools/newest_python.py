"""Print the newest Python at or above a version (3.12 by default) that this machine has, or exit 1 saying none is:
`python3 tools/newest_python.py [3.12]`. `make test-newest` builds its environment from it.

It looks where Pythons are installed side by side: every `pythonX.Y` on PATH, and each version under pyenv's root
(`pyenv root`, else $PYENV_ROOT, else ~/.pyenv). Each candidate is asked its own version, so a shim that resolves to
another version, or a broken one, is never taken at its name's word."""
import glob, os, re, shutil, subprocess, sys

def candidates():
    names = set()
    for folder in os.environ.get('PATH', '').split(os.pathsep):
        names.update(glob.glob(os.path.join(folder, 'python3.[0-9]*')))
    root = None
    if shutil.which('pyenv'):
        r = subprocess.run(['pyenv', 'root'], capture_output=True, text=True)
        root = r.stdout.strip() if r.returncode == 0 else None
    root = root or os.environ.get('PYENV_ROOT') or os.path.expanduser('~/.pyenv')
    names.update(glob.glob(os.path.join(root, 'versions', '*', 'bin', 'python3')))
    return sorted(n for n in names if re.search(r'python3(\.\d+)?$', n) and os.access(n, os.X_OK))

def version(python):
    "The (major, minor, micro) that `python` reports, or None if it does not run."
    try: r = subprocess.run([python, '-c', 'import sys; print(*sys.version_info[:3])'], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired): return None
    return tuple(map(int, r.stdout.split())) if r.returncode == 0 else None

def newest(at_least):
    found = [(v, p) for p in candidates() if (v := version(p))]
    ok = [(v, p) for v, p in found if v[:2] >= at_least]
    return max(ok)[1] if ok else None

if __name__ == '__main__':
    at_least = tuple(map(int, (sys.argv[1] if len(sys.argv) > 1 else '3.12').split('.')))
    python = newest(at_least)
    if python is None:
        sys.exit(f"no Python >= {'.'.join(map(str, at_least))} found on PATH or under pyenv's root: install one "
                 "(e.g. `pyenv install 3.13`) for `make test-newest`")
    print(python)
