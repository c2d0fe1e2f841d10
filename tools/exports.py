"""The surrogate factories' imports in spyx_axn/__init__.py, written from each module's `__all__` (as nbdev exports it).

    python tools/exports.py            # rewrite the block in spyx_axn/__init__.py (make export runs it after nbdev_export)
    python tools/exports.py --check    # exit 1, saying so, where the block is not what the modules' __all__ give
    python tools/exports.py --package DIR   # the package in DIR instead of this checkout's spyx_axn

A new surrogate is one notebook: its page exports `surrogates/NAME.py` with `__all__ = ['NAME']`, and this script writes
`from .surrogates.NAME import NAME` and the name in `__all__`, so that the package's namespace is explicit: a type
checker and an editor see every factory with its signature, where a namespace filled at run time shows them nothing.
The modules are read, not imported."""
import ast, sys
from pathlib import Path

BEGIN = '# The surrogate factories, one line per module of surrogates/: written by tools/exports.py from their __all__.\n'
END = '# End of the surrogate factories.\n'

def names(module: Path) -> list[str]:
    "The names in `module`'s `__all__ = [...]`, read from its source."
    for node in ast.parse(module.read_text()).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == '__all__' for t in node.targets):
            return list(ast.literal_eval(node.value))
    return []

def block(package: Path) -> str:
    "The generated lines: one import per surrogate module, then the names added to `__all__`."
    found = {p.stem: names(p) for p in sorted((package / 'surrogates').glob('*.py')) if p.stem != '__init__'}
    lines = [f"from .surrogates.{m} import {', '.join(ns)}\n" for m, ns in found.items() if ns]
    every = sorted(n for ns in found.values() for n in ns)
    listed = ''.join(f"    {n!r},\n" for n in every)
    return BEGIN + ''.join(lines) + f"__all__ += [\n{listed}]\n" + END

def written(package: Path) -> tuple[str, str]:
    "`__init__.py` as it is, and as it is with the block rewritten."
    text = (package / '__init__.py').read_text()
    if BEGIN not in text or END not in text:
        sys.exit(f"{package / '__init__.py'}: no generated block (the lines {BEGIN.strip()!r} ... {END.strip()!r})")
    head, rest = text.split(BEGIN, 1)
    return text, head + block(package) + rest.split(END, 1)[1]

if __name__ == '__main__':
    args = sys.argv[1:]
    package = Path(args[args.index('--package') + 1]) if '--package' in args else Path(__file__).parents[1] / 'spyx_axn'
    now, new = written(package)
    if '--check' in args:
        if now != new: sys.exit(f"{package / '__init__.py'}: the surrogate factories' imports are out of date: run "
                                f"`make export` (or python tools/exports.py)")
    elif now != new: (package / '__init__.py').write_text(new)
