"""Build the documentation site from the notebooks, offline and without Quarto: `python tools/docs.py [OUT]`.
`python tools/docs.py --proc [DIR]` writes the processed notebooks instead, for Quarto (`_quarto.yml`);
`python tools/docs.py --unlink NB...` removes nbdev's [source] links from notebooks' saved outputs.

Each notebook in nbs/ becomes one page of OUT (`_docs/` by default), named as nbdev and Quarto name it
(`10_superspike.ipynb` -> `superspike.html`). nbdev's own processors prepare the notebook as they do for
Quarto (hidden cells dropped, `show_doc` rendered, links added); the saved outputs are written as
Markdown with the figures copied beside; pandoc turns that into HTML with math as MathML. Every page
gets the same sidebar: the home page, then every notebook in file order, with the explorer after the
gallery. The explorer's curves are computed here, by `spyx_axn` itself, and written beside the pages as
`explorer-data.js` (a script, so that the page works opened from disk). Pagefind then indexes the pages
for the search box."""
import base64, html, itertools, json, os, re, shutil, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
from configparser import ConfigParser
from pathlib import Path
import numpy as np
import jax
import jax.numpy as jnp
import pypandoc
from execnb.nbio import dict2nb, read_nb, write_nb
from nbdev.processors import FilterDefaults

ROOT = Path(__file__).resolve().parent.parent
ASSETS = Path(__file__).resolve().parent / 'site'

def notebooks(nbs=ROOT / 'nbs'):
    "The notebooks in sidebar order: index first, then by file name."
    return sorted(nbs.glob('*.ipynb'), key=lambda p: (p.stem != 'index', p.name))

def page_name(nb_path):
    "The page a notebook becomes: its name without the number prefix, as nbdev's `output-file`."
    return re.sub(r'^\d+[_-]', '', nb_path.stem) + '.html'

def site_url():
    "Where nbdev's links to other pages start (settings.ini's doc_host and doc_baseurl); they become relative links here."
    cfg = ConfigParser(); cfg.read(ROOT / 'settings.ini')
    return cfg['DEFAULT']['doc_host'].rstrip('/') + '/' + cfg['DEFAULT']['doc_baseurl'].strip('/') + '/'

# nbdev's show_doc adds a link to the source on a code host, built from settings.ini's git_url, which is empty:
# the project names no code host, so the link would lead nowhere. Pages and saved outputs go without it.
SOURCE_LINK = re.compile(r'\[source\]\([^)]*\)\{target="_blank"[^}]*\}\n*')

def unlink(path):
    "Remove nbdev's [source] links from the saved outputs of notebook `path`, in place."
    nb = json.loads(Path(path).read_text())
    for cell in nb['cells']:
        for out in cell.get('outputs', []):
            md = out.get('data', {}).get('text/markdown')
            if md: out['data']['text/markdown'] = SOURCE_LINK.sub('', ''.join(md)).splitlines(keepends=True)
    write_nb(dict2nb(nb), path)

def options(cell):
    "Quarto cell options (`#| echo: false`) left in the source by nbdev, and the source without them."
    lines = cell.source.splitlines()
    opts = dict(re.match(r'#\|\s*([\w-]+):\s*(.*)', l).groups() for l in lines if re.match(r'#\|\s*[\w-]+:', l))
    return opts, '\n'.join(l for l in lines if not l.startswith('#|')).strip()

def raw_html(h):
    "HTML passed through pandoc untouched: a raw block fenced by more backticks than `h` has in a row."
    fence = '`' * max(3, 1 + max(map(len, re.findall(r'`+', h)), default=0))
    return f"{fence}{{=html}}\n{h}\n{fence}"

def output_markdown(out, fig_path):
    "One saved output as Markdown; a figure is written to `fig_path`."
    data = out.get('data', {})
    if 'image/png' in data:
        fig_path.write_bytes(base64.b64decode(data['image/png']))
        width = out.get('metadata', {}).get('image/png', {}).get('width')  # retina figures: show at half size
        return f"![]({fig_path.parent.name}/{fig_path.name})" + (f"{{width={width}}}" if width else '')
    if 'text/markdown' in data: return ''.join(data['text/markdown'])
    if 'text/html' in data: return raw_html(''.join(data['text/html']))
    text = ''.join(data['text/plain']) if 'text/plain' in data else ''.join(out.get('text', ''))
    if not text.strip(): return ''
    # the HTML pandoc makes of a code block of class `output`, written here: given a class that names no language,
    # pandoc searches every syntax definition it has for one, which took most of its time on a page
    return raw_html(f'<pre class="output"><code>{html.escape(text.rstrip(), quote=False)}</code></pre>')

def folded(part):
    "A run of folded code cells as one HTML <details> block, or any other part as it is."
    if not isinstance(part, list): return part
    names = [s for s, _ in part if s]
    summary = 'Code' + (f": {', '.join(names)}" if names else f" ({len(part)} cells)" if len(part) > 1 else '')
    body = [x for s, b in part for x in ([raw_html(f'<p class="fold-label">{html.escape(s)}</p>')] if s and len(part) > 1 else []) + [b]]
    return '\n\n'.join([raw_html(f'<details class="code-fold"><summary>{html.escape(summary)}</summary>'), *body, raw_html('</details>')])

def markdown(nb, name, figs):
    "The Markdown of a processed notebook; its figures go to `figs`, named after the page `name`."
    parts, n = [], 0
    for cell in nb.cells:
        if cell.cell_type == 'markdown': parts.append(cell.source); continue
        if cell.cell_type != 'code': continue
        opts, code = options(cell)
        if opts.get('include') == 'false': continue
        if code and opts.get('echo') != 'false':
            block = f"```python\n{code}\n```"
            if opts.get('code-fold') != 'true': parts.append(block)
            # Quarto's `code-fold: true`: the code collapsed under its `code-summary`; folded cells in a row, with
            # no output between them, collapse together
            elif parts and isinstance(parts[-1], list): parts[-1].append((opts.get('code-summary', ''), block))
            else: parts.append([(opts.get('code-summary', ''), block)])
        if opts.get('output') == 'false': continue
        for out in cell.get('outputs', []):
            n += 'image/png' in out.get('data', {})
            parts.append(output_markdown(out, figs / f"{Path(name).stem}-{n}.png"))
    md = SOURCE_LINK.sub('', '\n\n'.join(p for p in map(folded, parts) if p.strip())).replace('](' + site_url(), '](')
    # links between notebooks become links between pages, as Quarto makes them
    return re.sub(r'\]\(([\w-]+)\.ipynb(#[^)]*)?\)', lambda m: f"]({page_name(Path(m[1]))}{m[2] or ''})", md)

def sidebar(pages, current):
    "The navigation list: every page, the current one marked."
    items = ''.join(f'<li><a href="{p}"{" class=active" if p == current else ""}>'
                    f'{"Home" if p == "index.html" else html.escape(t)}</a></li>' for p, t in pages)
    return f'<ul>{items}</ul>'

# The explorer: every activation's surrogate on a grid of hyperparameter values, computed by spyx_axn.
EXPLORER = ('explorer.html', 'Explorer')
EXPLORER_AFTER = 'gallery.html'

def activation_pages():
    "Activation name to the page that defines it, from nbdev's index of the package."
    from spyx_axn import available
    from spyx_axn._modidx import d
    syms = {k: v[0] for mod, entries in d['syms'].items() if mod.startswith('spyx_axn.surrogates.') for k, v in entries.items()}
    return {n: next(url.split('#')[0] for k, url in syms.items() if k.endswith(f'.{n}')) for n in available()}

def page_xlim(page):
    "The range of x of the figure under a page's `## Plot` heading, as its `plot(...)` call gives it."
    nb = next(read_nb(p) for p in notebooks() if page_name(p) == page)
    after = itertools.dropwhile(lambda c: not (c.cell_type == 'markdown' and re.search(r'^## Plot', c.source, re.M)), nb.cells)
    src = next((c.source for c in after if c.cell_type == 'code' and 'plot(' in c.source), '')
    m = re.search(r'xlim=\(\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*\)', src)
    return (float(m[1]), float(m[2])) if m else (-2., 2.)  # `plot`'s default

def grid_values(default, m):
    "2m+1 values from default/4 to 4 default, geometric, the default itself in the middle."
    if isinstance(default, bool) or not isinstance(default, (int, float)): return [default]
    if default == 0: return [0.] + [0.05 * 4 ** (j / m) for j in range(-m + 1, m + 1)] if m else [0.]
    return [default if j == 0 else float(default * 4 ** (j / m)) for j in range(-m, m + 1)]

def b64(a):
    return base64.b64encode(np.asarray(a, '<f4').tobytes()).decode()

def explorer_curves(name, xlim, n=801):
    "`name`'s surrogate g(x) (and primitive F(x) where the activation has one) at every point of its grid."
    from spyx_axn import get
    from spyx_axn.registry import area, _defaults, _integral, _points
    from spyx_axn.plotting import curve
    defaults = _defaults(name)
    m = {0: 0, 1: 6, 2: 3, 3: 2}.get(len(defaults), 1)  # 13 values for one hyperparameter, 7 each for two, 5 for three, 3 beyond
    params = [{'name': h, 'values': grid_values(v, m), 'default': grid_values(v, m).index(v)} for h, v in defaults.items()]
    for p in params: p['labels'] = [f'{v:.4g}' for v in p['values']]
    xs = jnp.linspace(*xlim, n, dtype=jnp.float32)  # the points `curve` samples
    setting = lambda idx: {p['name']: p['values'][i] for p, i in zip(params, idx)}
    curves, ok = {}, []
    for idx in itertools.product(*(range(len(p['values'])) for p in params)):
        key = ','.join(map(str, idx))
        try: get(name, **setting(idx))  # the factory's own check and message
        except ValueError as e: curves[key] = {'error': str(e)}; continue
        ok.append((key, idx))
    numeric = [j for j, p in enumerate(params) if isinstance(p['values'][0], float)]
    lim, n_area = 1e6, 40_001  # `area`'s rule on a tenth of its points, for every setting at once
    X = np.concatenate([np.asarray(xs), [0.], _points(lim, n_area)]).astype(np.float32)
    has_F = False
    def values(*hv):
        "One setting's g on X and F on xs (empty without a primitive), its numeric hyperparameters traced, as `vmap` gives them."
        nonlocal has_F
        act = get(name, **{p['name']: hv[numeric.index(j)] if j in numeric else p['values'][0] for j, p in enumerate(params)})
        try: F, has_F = act.primitive(xs), True
        except (AttributeError, TypeError, ValueError, NotImplementedError): F = jnp.zeros(0)  # raised before tracing: no primitive
        return act.surrogate(X), F
    # Every valid setting in one compiled program.
    H = [np.asarray([params[j]['values'][idx[j]] for _, idx in ok], np.float32) for j in numeric]
    G, F = jax.jit(jax.vmap(values, axis_size=len(ok)))(*H) if ok else (None, None)
    for r, (key, idx) in enumerate(ok):
        g = np.asarray(G[r], np.float64)
        c = {'g': np.asarray(G[r, :n]), 'peak': float(g[n]), 'area': _integral(g[n + 1:], lim, n_area)}
        if all(i == p['default'] for p, i in zip(params, idx)):
            # At the defaults, what `plot` draws on the activation's page, and the area `describe` (the home page) gives.
            act = get(name, **setting(idx))
            c['g'], c['area'] = curve(act, xlim, n)[1], area(act)
        if has_F: c['F'] = np.asarray(F[r], np.float32)
        curves[key] = c
    return {'params': params, 'xlim': list(xlim), 'x': np.asarray(xs), 'curves': curves}

def explorer_data():
    "Every activation's explorer curves, as JSON-ready data with the arrays in base64 float32."
    out = {}
    for name, page in activation_pages().items():
        e = explorer_curves(name, page_xlim(page))
        ok = [c for c in e['curves'].values() if 'g' in c]
        lim = lambda k: [min(0., min(float(np.nanmin(c[k])) for c in ok)), max(float(np.nanmax(c[k])) for c in ok)] \
                        if ok and all(k in c for c in ok) else None
        e['ylim'], e['Flim'] = lim('g'), lim('F')
        for c in ok:
            c['peak'], c['area'] = f"{c['peak']:.4g}", (f"{c['area']:.4g}" if np.isfinite(c['area']) else '∞')
            for k in ('g', 'F'):
                if k in c: c[k] = b64(c[k])
        e['x'], e['page'] = b64(e['x']), page
        out[name] = e
    return out

EXPLORER_BODY = """<div id="explorer" data-pagefind-ignore>
<p class="explorer-controls"><label>Activation <select id="explorer-act"></select></label>
<a id="explorer-page" href="#">its page</a>
<label class="explorer-hold"><input type="checkbox" id="explorer-hold"> hold the y axis at the range of every setting</label></p>
<div id="explorer-sliders"></div>
<p class="explorer-numbers">peak <var>g</var>(0) = <output id="explorer-peak"></output>
&emsp; area ∫<var>g</var> = <output id="explorer-area"></output></p>
<p id="explorer-error" role="alert" hidden></p>
<figure><canvas id="explorer-g" width="760" height="320" aria-label="the surrogate g(x)"></canvas>
<figcaption>The surrogate derivative <var>g</var>(<var>x</var>) at the settings above; in grey, at the defaults.</figcaption></figure>
<figure id="explorer-F-figure" hidden><canvas id="explorer-F" width="760" height="220" aria-label="the primitive F(x)"></canvas>
<figcaption>The primitive <var>F</var>(<var>x</var>), whose derivative is <var>g</var>.</figcaption></figure>
</div>
<noscript><p>The explorer draws with JavaScript, which is turned off.</p></noscript>
<script src="explorer-data.js"></script>
<script src="explorer.js"></script>"""

EXPLORER_TEXT = """Pick an activation and move a slider per hyperparameter: the surrogate $g(x)$ is drawn, with its
peak $g(0)$ and its area $\\int g$. Each slider runs over a grid of values from a quarter of the
default to four times it; every curve on the grid was computed by `spyx_axn` when this site was built
(`jax.grad` through the activation, as on its page), none by this page. With every slider at its
default, the curve is the one drawn on the activation's own page. A setting the factory refuses
shows the factory's message instead."""

def convert(md, title, description, pages, current, explore=''):
    "One page of the site: Markdown to standalone HTML in the site's template."
    front = f"---\ntitle: {json.dumps(title)}\ndescription: {json.dumps(description)}\n---\n\n"  # JSON is YAML
    page = pypandoc.convert_text(front + md, 'html5', format='markdown',
                                 extra_args=['--standalone', '--mathml', '--toc', '--toc-depth=2',
                                             f'--template={ASSETS / "page.html"}', '--variable', 'css=style.css',
                                             '--variable', f'sidebar={sidebar(pages, current)}',
                                             *(['--variable', f'explore={explore}'] if explore else [])])
    # a wide table scrolls in a box of its own rather than past the edge of the column
    page = re.sub(r'<table\b(.*?)</table>', r'<div class="table-wrap"><table\1</table></div>', page, flags=re.S)
    # and so does a wide displayed equation
    return re.sub(r'(<math display="block".*?</math>)', r'<span class="math-wrap">\1</span>', page, flags=re.S)

def build(out=ROOT / '_docs', search=True):
    "Build every page into `out`, and its search index unless `search=False`; return the page names in sidebar order."
    out = Path(out)
    shutil.rmtree(out, ignore_errors=True)
    (out / 'figures').mkdir(parents=True)
    for asset in ('style.css', 'site.js', 'explorer.js'): shutil.copy(ASSETS / asset, out / asset)
    docs = []
    for path in notebooks():
        nb = read_nb(path)
        FilterDefaults()(nb)  # nbdev's processors, as `processed` applies them for Quarto
        fm = getattr(nb, 'frontmatter_', {})
        docs.append((page_name(path), fm.get('title', path.stem), fm.get('description', ''), nb))
    pages = [(name, title) for name, title, _, _ in docs]
    at = next((i + 1 for i, (p, _) in enumerate(pages) if p == EXPLORER_AFTER), len(pages))
    pages.insert(at, EXPLORER)
    explored = {page: name for name, page in activation_pages().items()}
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:  # pandoc runs in processes of its own, beside the explorer's curves
        converted = {name: pool.submit(convert, markdown(nb, name, out / 'figures'), title, description, pages, name,
                                       f'explorer.html#{explored[name]}' if name in explored else '')
                     for name, title, description, nb in docs}
        data = json.dumps(explorer_data(), separators=(',', ':'), ensure_ascii=False)
        for name, page in converted.items(): (out / name).write_text(page.result())
    (out / 'explorer-data.js').write_text(f"// The explorer's curves, computed by spyx_axn when the site was built.\nwindow.EXPLORER_DATA = {data};\n")
    (out / EXPLORER[0]).write_text(convert(EXPLORER_TEXT + '\n\n' + raw_html(EXPLORER_BODY) + '\n', EXPLORER[1],
                                           "Every surrogate, every hyperparameter: move a slider, see the curve.",
                                           pages, EXPLORER[0]))
    if search:  # Pagefind, from PyPI (requirements-dev.txt): the index and its search box, in out/pagefind/
        r = subprocess.run([sys.executable, '-m', 'pagefind', '--site', str(out), '--quiet'], capture_output=True, text=True)
        if r.returncode: raise RuntimeError(f"pagefind failed:\n{r.stdout}\n{r.stderr}")
    return [name for name, _ in pages]

def processed(out=ROOT / '_proc'):
    "Write every notebook, processed as for the site, to `out`: the input of a Quarto build (`_quarto.yml`)."
    out = Path(out)
    shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)
    for path in notebooks():
        nb = read_nb(path)
        FilterDefaults()(nb)
        write_nb(nb, out / path.name)
    return out

if __name__ == '__main__':
    if sys.argv[1:2] == ['--proc']: print(f"processed notebooks in {processed(*sys.argv[2:3])}/"); sys.exit()
    if sys.argv[1:2] == ['--unlink']: [unlink(p) for p in sys.argv[2:]]; sys.exit()
    built = build(*sys.argv[1:2])
    print(f"{len(built)} pages in {sys.argv[1] if len(sys.argv) > 1 else '_docs'}/: {' '.join(built)}")
