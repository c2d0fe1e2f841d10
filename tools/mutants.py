"""Plant defects, one at a time, in the notebooks (the source of truth), export, and run the fast tier (`make test`):
each must make it fail. `make mutants` runs them all; a defect the tests let through is printed, and the exit status is 1.

The work is done in a copy of the working tree (tracked and untracked files, ignored ones left out) in a temporary
folder, so an interrupted run leaves the tree as it was. The copy keeps its JAX compilation cache from one defect to
the next. The tests run from the copy's root with `python -m pytest`, which puts that root first on the path: the copy's
package is the one imported.

    python tools/mutants.py [--only NAME ...] [--tree .] [--python .venv/bin/python] [--timeout 1800]
"""
import argparse, json, os, shutil, signal, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (name, the kind of defect a user would meet, notebook, text, what replaces it): `text` occurs once in the notebook.
MUTANTS = [
    ('formula', "a surrogate's formula off by 1%", '10_superspike.ipynb',
     '1 / (1 + k * jnp.abs(x))', '1 / (1 + 1.01 * k * jnp.abs(x))'),
    ('primitive', "a primitive whose total is not the area", '10_superspike.ipynb',
     'lambda x: 1 / (1 - k * x) / k, x, 2 / k', 'lambda x: 1 / (1 - k * x) / k, x, 2.02 / k'),
    ('edge', "the window's edge excluded (|x| < width/2)", '12_boxcar.ipynb',
     'jnp.abs(x) <= width / 2', 'jnp.abs(x) < width / 2'),
    ('spike-at-0', "H(0) = 1", '00_core.ipynb', '((bits > 0) & (bits <= inf))', '((bits >= 0) & (bits <= inf))'),
    ('domain', "a width of 0 accepted", '12_boxcar.ipynb',
     '@domains(width=positive, height=non_negative)', '@domains(width=non_negative, height=non_negative)'),
    ('dtype', "half precision computed in half precision", '00_core.ipynb',
     'jnp.finfo(dtype).bits < 32', 'jnp.finfo(dtype).bits < 16'),
    ('escape-noise', "escape noise's gradient not divided by the area", '37_escape_noise.ipynb',
     '(jnp.broadcast_to(bwd(xc, **pc), x.shape) / _area(prim, xc, pc))', '(jnp.broadcast_to(bwd(xc, **pc), x.shape) / 1)'),
    ('relaxed-mask', "relaxed's mask inverted (the twin with probability 1 - p)", '52_adaptive.ipynb',
     'spike = ~self.smooth(x, key)', 'spike = self.smooth(x, key)'),
    ('multilevel', "multilevel's thresholds at 1, ..., D instead of 0, ..., D-1", '36_multilevel.ipynb',
     'for j in range(self.p))', 'for j in range(1, self.p + 1))'),
    ('residuals', "the backward pass keeps g where a mask of booleans would do", '05_residuals.ipynb',
     '_BYTE = 8', '_BYTE = 0'),
    ('translation', "a translation row's call at half the peer's slope", '41_translation.ipynb',
     "call='superspike(k=slope)'", "call='superspike(k=slope / 2)'"),
    ('link', "a page's link to a page that does not exist", '13_tanh.ipynb',
     '](20_sigmoid.ipynb)', '](21_sigmoid.ipynb)'),
    ('area', "escape noise's probability not divided by the area", '37_escape_noise.ipynb',
     'return prim(xc, **pc) / _area(prim, xc, pc)', 'return prim(xc, **pc)'),
    ('primitive-edge', "boxcar's primitive from the wrong edge", '12_boxcar.ipynb',
     'height * (x + width / 2)', 'height * (x + width / 2.1)'),
]

def escaped(s): return json.dumps(s, ensure_ascii=False)[1:-1]  # as the text stands inside the notebook's JSON

def copy_tree(src: Path, dst: Path):
    "The working tree's tracked and untracked files (not the ignored ones), and its compilation cache, into `dst`."
    names = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard', '-z'], cwd=src, check=True,
                           capture_output=True).stdout.decode().split('\0')
    for n in filter(None, names):
        if (src / n).is_file():
            (dst / n).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src / n, dst / n)
    if (src / '.cache' / 'jax').is_dir(): shutil.copytree(src / '.cache' / 'jax', dst / '.cache' / 'jax')

def run(cmd, cwd, timeout=None):
    """`cmd` in a process group of its own, its output captured; the whole group (pytest's workers, the browser) is
    killed if it runs past `timeout` or this run is interrupted."""
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try: out, _ = p.communicate(timeout=timeout)
    except BaseException:
        os.killpg(p.pid, signal.SIGKILL); p.wait(); raise
    return subprocess.CompletedProcess(cmd, p.returncode, out, '')

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--only', nargs='*', help='the names of the defects to plant (all by default): ' +
                   ', '.join(m[0] for m in MUTANTS))
    p.add_argument('--python', default=str(ROOT / '.venv' / 'bin' / 'python'), help="the environment's Python")
    p.add_argument('--tree', default=str(ROOT), help='the working tree to copy (this one by default)')
    p.add_argument('--timeout', type=float, default=1800, help='seconds each run of the tests may take')
    a = p.parse_args()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # terminated: clean up as when interrupted
    todo = [m for m in MUTANTS if m[0] in a.only] if a.only else MUTANTS
    todo = sorted(todo, key=lambda m: a.only.index(m[0])) if a.only else todo  # in the order given
    py = Path(a.python); nbdev_export = py.parent / 'nbdev_export'
    where = Path(tempfile.mkdtemp(prefix='spyx_axn_mutants_'))
    results = []
    try:
        copy_tree(Path(a.tree), where)
        for name, what, nb, text, new in todo:
            path = where / 'nbs' / nb
            pristine = path.read_text()
            if pristine.count(escaped(text)) != 1:
                results.append((name, 'not planted', 0., f"{text!r} occurs {pristine.count(escaped(text))} times in {nb}"))
                print(f"{name}: not planted", flush=True); continue
            path.write_text(pristine.replace(escaped(text), escaped(new)))
            start = time.time()
            try:
                exp = run([str(nbdev_export)], where)
                if exp.returncode: outcome, detail = 'caught', 'nbdev_export failed'
                else:
                    t = run([str(py), '-m', 'pytest', '-x', '-q', '-p', 'no:cacheprovider'], where, a.timeout)
                    outcome = 'caught' if t.returncode else 'SURVIVED'
                    failed = [l for l in t.stdout.splitlines() if l.startswith(('FAILED', 'ERROR'))]
                    detail = failed[0][:150] if failed else t.stdout.strip().splitlines()[-1][:150]
            except subprocess.TimeoutExpired: outcome, detail = 'timed out', f"over {a.timeout:.0f} s"
            finally:
                path.write_text(pristine)
                run([str(nbdev_export)], where)
            results.append((name, outcome, time.time() - start, detail))
            print(f"{name}: {outcome} in {time.time() - start:.0f} s: {detail}", flush=True)
    finally: shutil.rmtree(where, ignore_errors=True)
    print(f"\n{'defect':<16} {'outcome':<12} {'seconds':>7}  first failure")
    for name, outcome, secs, detail in results: print(f"{name:<16} {outcome:<12} {secs:7.0f}  {detail}")
    missed = [r[0] for r in results if r[1] != 'caught']
    print(f"\n{len(results) - len(missed)} of {len(results)} planted defects caught" +
          (f"; not caught: {', '.join(missed)}" if missed else ''))
    return 1 if missed else 0

if __name__ == '__main__': sys.exit(main())
