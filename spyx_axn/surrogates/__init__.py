"""The surrogate factories, found rather than listed: a module of this package that defines one names it in its `__all__`."""
import importlib, inspect, pkgutil
from functools import cache

@cache
def factories() -> dict:
    "Name to factory, sorted by name, of every function that a module of this package exports."
    found = {}
    for m in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f'{__name__}.{m.name}')
        found.update({n: getattr(module, n) for n in getattr(module, '__all__', []) if inspect.isfunction(getattr(module, n))})
    return dict(sorted(found.items()))
