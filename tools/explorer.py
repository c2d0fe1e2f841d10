"""The explorer's data: every activation's surrogate g(x), and its primitive F(x) where it has one, at every point of
a grid of hyperparameter values, with each setting's peak and area, computed by `spyx_axn` when the site is built.
The range of x at the defaults is that of the figure on the activation's page, read from the `plot(...)` call under
`## Plot`; at another setting it is scaled with the surrogate's width (`scaled_xlim`). Each activation's definition
is the Markdown under its page's `## Definition` heading (`definition`), which tools/docs.py renders as the pages."""
import ast, base64, inspect, itertools, math, re
import numpy as np
import jax
import jax.numpy as jnp
from execnb.nbio import read_nb
import spyx_axn
from spyx_axn.plotting import curve, plot
from spyx_axn.measure import area, integral, plot_points, points
from spyx_axn.registry import defaults
from pages import activation_pages, notebooks, page_name

PLOT_HEADING, HEADING = re.compile(r'^## Plot', re.M), re.compile(r'^#{1,2}\s', re.M)
DEFINITION = re.compile(r'^## Definition[ \t]*\n', re.M)

def definition(nb, where):
    """The Markdown of the cell under notebook `nb`'s `## Definition` heading: the rest of the heading's cell, or the
    next cell where the heading stands alone; it holds the formula of g in display math. `where` names the notebook
    in errors."""
    cells = [c for c in nb.cells if c.cell_type == 'markdown']
    at = next((i for i, c in enumerate(cells) if DEFINITION.search(c.source + '\n')), None)
    if at is None: raise ValueError(f"{where}: no `## Definition` heading, whose display math the explorer shows")
    text = DEFINITION.split(cells[at].source + '\n', 1)[1]
    text = HEADING.split(text)[0].strip() or (cells[at + 1].source.strip() if at + 1 < len(cells) else '')
    if '$$' not in text: raise ValueError(f"{where}: no display math ($$...$$) under `## Definition`")
    return text

def page_definition(page):
    "The Markdown under a page's `## Definition` heading (see `definition`)."
    return definition(next(read_nb(p) for p in notebooks() if page_name(p) == page), page)

def plot_call(nb, where):
    """The first `plot(...)` call in the code cells under notebook `nb`'s `## Plot` heading (up to the next heading of
    its level or above), with its cell's source; None if there is none. `where` names the notebook in errors."""
    cells = iter(nb.cells)
    if not any(c.cell_type == 'markdown' and PLOT_HEADING.search(c.source) for c in cells): return None
    for c in itertools.takewhile(lambda c: not (c.cell_type == 'markdown' and HEADING.search(c.source)), cells):
        if c.cell_type != 'code': continue
        try: tree = ast.parse(c.source)
        except SyntaxError as e:  # a cell of IPython magics, say: an error only where it may hold the call
            if 'plot' in c.source: raise ValueError(f"{where}: a cell under `## Plot` is not Python: {e}") from None
            continue
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, 'id', None) == 'plot']
        if calls: return min(calls, key=lambda n: (n.lineno, n.col_offset)), c.source
    return None

def plot_xlim(nb, where):
    """The range of x of the figure under notebook `nb`'s `## Plot` heading: its `plot(...)` call's `xlim`, as
    `ast.literal_eval` reads it, or `plot`'s default where there is no call or it gives none. An `xlim` that is
    present but not two numbers written out is an error, never the default."""
    signature, found = inspect.signature(plot), plot_call(nb, where)
    default = tuple(map(float, signature.parameters['xlim'].default))
    if not found: return default
    (call, src), unread = found, f"{where}: cannot read the xlim of the `plot(...)` call under `## Plot`"
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        raise ValueError(f"{unread}: it passes *args or **kwargs")
    try: node = signature.bind(*call.args, **{k.arg: k.value for k in call.keywords}).arguments.get('xlim')
    except TypeError as e: raise ValueError(f"{unread}: {e}") from None
    if node is None: return default
    try: lim = ast.literal_eval(node)
    except (ValueError, TypeError): lim = None  # not a literal
    if not (isinstance(lim, (tuple, list)) and len(lim) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in lim)):
        raise ValueError(f"{unread}: `{ast.get_source_segment(src, node)}` is not two finite numbers written out, "
                         "as in xlim=(-2., 2.)")
    return tuple(map(float, lim))

def page_xlim(page):
    "The range of x of the figure under a page's `## Plot` heading (see `plot_xlim`)."
    return plot_xlim(next(read_nb(p) for p in notebooks() if page_name(p) == page), page)

# How far a slider goes from the default, either way: the factor that choosing.html's advice sweeps a width by.
SPAN = 16

def grid_values(default, m, domain):
    """2m+1 values from 1/SPAN of the default to SPAN times it, geometric, the default itself in the middle; measured
    from the lower bound of the hyperparameter's declared domain (`Domain.scaled`), so that every value is in it."""
    if isinstance(default, bool) or not isinstance(default, (int, float)): return [default]
    if default == 0: return [0.] + [0.05 * SPAN ** (j / m) for j in range(-m + 1, m + 1)] if m else [0.]
    if default == domain.low and default > 0:  # a default on its closed bound (asymmetric's bias): the values above it
        return [float(default)] + [default * SPAN ** (j / m) for j in range(1, 2 * m + 1)] if m else [float(default)]
    return [default if j == 0 else float(domain.scaled(default, SPAN ** (j / m))) for j in range(-m, m + 1)]

def b64(a):
    return base64.b64encode(np.asarray(a, '<f4').tobytes()).decode()

# The range of x follows the width. Each setting's curve is drawn over the page's range of x scaled by the ratio of the
# surrogate's width at that setting to its width at the defaults, so that a narrower surrogate is not a spike lost in
# the middle of the axes nor a wider one cut off at their edges. The width is the full width at half maximum: from the
# leftmost to the rightmost x where g(x) is at least half its largest value, on the points `area` integrates on. Where
# the width cannot be measured at a setting or at the defaults (half the maximum still reached at the ends of those
# points, as for a constant g), the range is the page's. At the defaults the ratio is 1: the page's range exactly.
def half_width(g, xs, lim):
    "The full width at half maximum of `g` sampled at `xs` (any order); None where it is not finite or reaches `lim`."
    g, xs = np.asarray(g, np.float64), np.asarray(xs, np.float64)
    top = np.nanmax(g) if np.isfinite(g).any() else np.nan
    if not (np.isfinite(top) and top > 0): return None
    inside = xs[g >= top / 2]
    lo, hi = float(inside.min()), float(inside.max())
    return hi - lo if hi - lo > 0 and max(-lo, hi) < lim else None

def scaled_xlim(xlim, width, width0):
    "The page's range `xlim` scaled by `width / width0` (see above); `xlim` itself where either width is None."
    if width is None or width0 is None or width == width0: return tuple(map(float, xlim))
    return tuple(float(v) * (width / width0) for v in xlim)

def setting_points(xlim, n):
    """A setting's n points, evenly spaced from xlim[0] to xlim[1]: numpy's float64 linspace rounded to float32, which
    unlike `plot_points` (`jnp.linspace`, compiled) does not depend on XLA's settings; the page makes them again from
    `xlim`. At the defaults the points are `plot_points`', those of the page's figure."""
    return np.linspace(*map(float, xlim), n).astype(np.float32)

def code_literal(v):
    "A hyperparameter's value as Python source that reads back as the very same value."
    text = repr(v)
    if ast.literal_eval(text) != v: raise ValueError(f"code_literal: {v!r} does not read back from its repr, {text!r}")
    return text

def explorer_curves(name, xlim, n=801):
    """`name`'s surrogate g(x) (and primitive F(x) where the activation has one) at every point of its grid, each
    setting on its own range of x (`scaled_xlim`), with the setting's peak, area and half-maximum width."""
    get = spyx_axn.get
    hyper = defaults(name)
    # 13 values for one hyperparameter, 7 each for two, 5 for three, 3 beyond
    m = {0: 0, 1: 6, 2: 3, 3: 2}.get(len(hyper), 1)
    domains = getattr(spyx_axn, name).domains
    params = [{'name': h, 'values': grid_values(v, m, domains[h])} for h, v in hyper.items()]
    for p in params: p['default'] = p['values'].index(hyper[p['name']])
    for p in params: p['labels'] = [f'{v:.4g}' for v in p['values']]
    for p in params: p['code'] = [code_literal(v) for v in p['values']]  # the explorer's line of code: `axn.name(k=...)`
    xs = plot_points(xlim, n)  # the points `curve` samples at the defaults
    setting = lambda idx: {p['name']: p['values'][i] for p, i in zip(params, idx)}
    curves, ok = {}, []
    for idx in itertools.product(*(range(len(p['values'])) for p in params)):
        key = ','.join(map(str, idx))
        try: get(name, **setting(idx))  # the factory's own check and message
        except ValueError as e: curves[key] = {'error': str(e)}; continue
        ok.append((key, idx))
    numeric = [j for j, p in enumerate(params) if isinstance(p['values'][0], float)]
    lim, n_area = 1e6, 40_001  # `area`'s rule on a tenth of its points, for every setting at once
    P = np.concatenate([[0.], points(lim, n_area)]).astype(np.float32)
    has_F = False
    def act_of(hv):
        "One setting's activation, its numeric hyperparameters traced, as `vmap` gives them."
        return get(name, **{p['name']: hv[numeric.index(j)] if j in numeric else p['values'][0] for j, p in enumerate(params)})
    def measured(*hv): return act_of(hv).surrogate(P)
    def values(x, *hv):
        "One setting's g and F (empty without a primitive) on its own points `x`."
        nonlocal has_F
        act = act_of(hv)
        try: F, has_F = act.primitive(x), True
        except (AttributeError, TypeError, ValueError, NotImplementedError):  # raised before tracing: no primitive
            F = jnp.zeros(0)
        return act.surrogate(x), F
    # Every valid setting in two compiled programs: g on the points `area` integrates on (peak, area, width), then g and
    # F on each setting's own range of x.
    H = [np.asarray([params[j]['values'][idx[j]] for _, idx in ok], np.float32) for j in numeric]
    M = np.asarray(jax.jit(jax.vmap(measured, axis_size=len(ok)))(*H), np.float64) if ok else None
    is_default = lambda idx: all(i == p['default'] for p, i in zip(params, idx))
    widths = [half_width(M[r, 1:], P[1:], lim) for r in range(len(ok))]
    width0 = next((w for w, (_, idx) in zip(widths, ok) if is_default(idx)), None)
    xlims = [tuple(map(float, xlim)) if is_default(idx) else scaled_xlim(xlim, w, width0) for w, (_, idx) in zip(widths, ok)]
    X = np.stack([np.asarray(xs) if is_default(idx) else setting_points(lims, n) for lims, (_, idx) in zip(xlims, ok)]) if ok else None
    G, F = jax.jit(jax.vmap(values, axis_size=len(ok)))(X, *H) if ok else (None, None)
    for r, (key, idx) in enumerate(ok):
        c = {'g': np.asarray(G[r]), 'x': X[r], 'xlim': list(xlims[r]), 'width': widths[r],
             'peak': float(M[r, 0]), 'area': integral(M[r, 1:], lim, n_area)}
        if is_default(idx):
            # At the defaults, what `plot` draws on the activation's page and the area `describe` gives (the home page).
            act = get(name, **setting(idx))
            c['g'], c['area'] = curve(act, xlim, n)[1], area(act)
        if has_F: c['F'] = np.asarray(F[r], np.float32)
        curves[key] = c
    return {'params': params, 'xlim': list(xlim), 'x': np.asarray(xs), 'curves': curves}

# The overlay: a second activation at its defaults, drawn over whatever range of x the first is shown on, so on points
# spaced geometrically from 0 out to |x| = 1000 (about 2.3 % apart), fine at every scale the explorer shows.
OVERLAY_X = np.concatenate([-np.geomspace(1e3, 1e-3, 600), [0.], np.geomspace(1e-3, 1e3, 600)]).astype(np.float32)

def explorer_data():
    "Every activation's explorer curves, as JSON-ready data with the arrays in base64 float32."
    out = {}
    for name, page in activation_pages().items():
        e = explorer_curves(name, page_xlim(page))
        ok = [c for c in e['curves'].values() if 'g' in c]
        for c in ok: del c['x']  # the page makes each setting's points from its `xlim` again, as `plot_points` does
        e['overlay'] = b64(spyx_axn.get(name).surrogate(OVERLAY_X))
        lim = lambda k: [min(0., min(float(np.nanmin(c[k])) for c in ok)), max(float(np.nanmax(c[k])) for c in ok)] \
                        if ok and all(k in c for c in ok) else None
        e['ylim'], e['Flim'] = lim('g'), lim('F')
        for c in ok:
            c['peak'], c['area'] = f"{c['peak']:.4g}", (f"{c['area']:.4g}" if np.isfinite(c['area']) else '∞')
            for k in ('g', 'F'):
                if k in c: c[k] = b64(c[k])
        e['x'], e['page'], e['n'], e['definition'] = b64(e['x']), page, len(e['x']), page_definition(page)
        out[name] = e
    for e in out.values(): e['overlay_x'] = b64(OVERLAY_X)
    return out
