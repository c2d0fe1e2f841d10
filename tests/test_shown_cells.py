"""Every code cell a reader sees on the site runs as shown, from the imports it shows. The site shows a notebook as
nbdev prepares it: cells flagged `#| hide`, `#| export`, `#| exporti` or `#| default_exp`, `show_doc` cells and cells
with `echo: false` or `include: false` are not shown; folded cells (`code-fold: true`) are, under a summary. So a
cell that is shown may use only what shown cells define: a page's imports are a cell of their own that the page shows.

Two tests of that, one per tier. In the fast tier, `test_shown_cells_use_shown_names` reads each page: a name that a
shown cell loads and only a cell the site leaves out binds fails it (a hidden `import jax`, a hidden helper). In the
slow tier, `test_shown_cells_run` executes each page's shown cells alone, in a fresh shell, in order: it also catches
what reading cannot (a name bound by a star import, a hidden cell whose side effect a shown cell needs). Cells flagged
`#| slow`, `#| peers` or `#| notest` are read but not run, as in tests/test_notebooks.py."""
import ast, builtins, re
import pytest
from helpers import ROOT, cells, has_flag

NBS = ROOT / 'nbs'
ALL = sorted(p.name for p in NBS.glob('*.ipynb'))
LEFT_OUT = ('hide', 'export', 'exporti', 'default_exp')  # nbdev's rm_export and hide: no source on the page

def options(source):
    "A cell's Quarto options (`#| echo: false`)."
    return dict(re.findall(r'^#\|\s*([\w-]+):\s*(.*?)\s*$', source, re.M))

def shown(source):
    "Whether the site shows cell `source`'s code (tools/docs.py, after nbdev's processors)."
    if any(re.search(rf'^#\|\s*{d}\b(?!-)', source, re.M) for d in LEFT_OUT): return False
    if re.search(r'^show_doc', source, re.M): return False  # nbdev's clean_show_doc: the rendered doc instead
    o = options(source)
    return o.get('echo') != 'false' and o.get('include') != 'false'

def code_cells(nb):
    "Notebook `nb`'s code cells: (id, source, shown)."
    return [(c.get('id'), s, shown(s)) for c in cells(nb) if c['cell_type'] == 'code' for s in [''.join(c['source'])]]

def python(source):
    "A cell's source as Python: IPython's magics and shell lines left out."
    return '\n'.join(l for l in source.splitlines() if not l.lstrip().startswith(('%', '!')))

def bound(tree):
    "Every name a cell binds, at any depth: assignments, imports, definitions, arguments, handlers."
    out = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load): out.add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): out.add(n.name)
        elif isinstance(n, ast.arg): out.add(n.arg)
        elif isinstance(n, ast.ExceptHandler) and n.name: out.add(n.name)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            out |= {a.asname or a.name.split('.')[0] for a in n.names if a.name != '*'}
    return out

def loaded(tree): return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}

BUILTINS = set(dir(builtins)) | {'display', 'get_ipython'}

def hidden_names(nb):
    "Names that shown cells of `nb` load and that only cells the site leaves out bind: (cell id, name) pairs."
    seen, left_out, found = set(), set(), []
    for id_, source, is_shown in code_cells(nb):
        tree = ast.parse(python(source))
        if not is_shown: left_out |= bound(tree); continue
        own = bound(tree)
        found += [(id_, n) for n in sorted(loaded(tree) & left_out - seen - own - BUILTINS)]
        seen |= own
    return found

@pytest.mark.parametrize('nb', ALL)
def test_shown_cells_use_shown_names(nb):
    found = hidden_names(nb)
    assert not found, f"{nb}: shown cells use names that only cells left out of the site define: {found}"

@pytest.mark.slow
@pytest.mark.parametrize('nb', ALL)
def test_shown_cells_run(nb, monkeypatch):
    from test_notebooks import Shell
    monkeypatch.chdir(NBS)
    shell = Shell(NBS / nb)
    try:
        for id_, source, is_shown in code_cells(nb):
            if not is_shown or has_flag(source, 'slow', 'peers', 'notest'): continue
            shell.run(source)
            if shell.exc: pytest.fail(f"{nb}, cell {id_}: {type(shell.exc).__name__}: {shell.exc}\n{source}", pytrace=False)
    finally: shell.release()
