"""The documentation site as a reader gets it: built from the notebooks once, then served from 127.0.0.1 and
opened in headless Chromium (Debian's, driven by Playwright) page by page, searched, explored, in light and
dark mode, at laptop and phone width, and opened from disk. Screenshots go to _docs/screenshots/."""
import base64, functools, http.server, inspect, json, re, shutil, subprocess, sys, threading, urllib.parse
from html.parser import HTMLParser
import numpy as np
import pytest
from helpers import ROOT, cells

sys.path.insert(0, str(ROOT / 'tools'))
import docs  # tools/docs.py: the site builder
import explorer  # tools/explorer.py: the explorer's data
from pages import GROUPS, group_of, grouped  # tools/pages.py: the sidebar's groups

# One xdist group, among the first to start (conftest.py): a worker that shared these tests would wait for the build.
pytestmark = pytest.mark.xdist_group('site')

# The pages, in sidebar order: the home page, then every notebook in file order, named without its number,
# and the explorer after the gallery.
NBS = sorted((ROOT / 'nbs').glob('*.ipynb'), key=lambda p: (p.name != 'index.ipynb', p.name))
PAGES = [re.sub(r'^\d+_', '', p.stem) + '.html' for p in NBS]
PAGES.insert(PAGES.index('gallery.html') + 1, 'explorer.html')
NB_OF = {re.sub(r'^\d+_', '', p.stem) + '.html': p for p in NBS}
# Pages that no notebook makes and the sidebar does not list: the changelog (CHANGELOG.md), which every footer links.
SITE_ONLY = ['changelog.html']
# The sidebar lists them in six groups, each in that order.
SIDEBAR = [p for _, members in grouped([(p, '') for p in PAGES]) for p, _ in members]
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium): "
                                    "the site was not checked in a browser; .ci/run installs it")

def shown(nb_path):
    "The cells of a notebook that its page shows: all but `#| hide` and `#| include: false`."
    for c in cells(nb_path.name):
        flags = {f.replace(' ', '') for f in re.findall(r'^#\|\s*(.+?)\s*$', ''.join(c['source']), re.M)}
        if not flags & {'hide', 'include:false'}: yield c, flags

def figures(nb_path):
    "How many figures a notebook saved in the cells its page shows, and in the cells its text embeds (`{{< embed >}}`)."
    count = lambda outputs: sum('image/png' in o.get('data', {}) for o in outputs)
    return (sum(count(c.get('outputs', [])) for c, flags in shown(nb_path) if 'output:false' not in flags)
            + sum(count(docs.labelled(*m).get('outputs', [])) for c, _ in shown(nb_path) if c['cell_type'] == 'markdown'
                  for m in docs.EMBED.findall(''.join(c['source']))))

def has_math(nb_path):
    return any(c['cell_type'] == 'markdown' and '$' in ''.join(c['source']) for c, _ in shown(nb_path))

@pytest.fixture(scope='session')
def site(tmp_path_factory):
    """The site built into _docs/ as `make docs` builds it, in a process of its own (it runs the notebooks' imports),
    once per run: xdist's workers share the build through a lock file in the run's temporary folder."""
    import fcntl, os
    out, base = ROOT / '_docs', tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get('PYTEST_XDIST_WORKER') else base  # the run's folder, not an earlier run's
    with open(shared / 'site.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / 'site.built').exists():
            r = subprocess.run([sys.executable, ROOT / 'tools' / 'docs.py', out], capture_output=True, text=True, cwd=ROOT)
            assert r.returncode == 0, f"the site build failed:\n{r.stdout}\n{r.stderr}"
            assert 'warn' not in (r.stdout + r.stderr).lower(), f"the site build warned (make docs must be quiet):\n{r.stderr}"
            (out / 'screenshots').mkdir()
            (shared / 'site.built').touch()
    return out

class Assets(HTMLParser):
    """Every address a page loads by itself (scripts, styles, images, frames, its icon), as opposed to links a reader
    follows; and the icons it declares."""
    def __init__(self): super().__init__(); self.urls, self.icons = [], []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ('script', 'img', 'iframe', 'source', 'video', 'audio', 'embed') and a.get('src'): self.urls.append(a['src'])
        if tag == 'link' and a.get('href'): self.urls.append(a['href'])
        if tag == 'link' and 'icon' in (a.get('rel') or '').lower().split(): self.icons.append(a.get('href'))

def test_a_page_per_notebook_loading_nothing_from_elsewhere(site):
    assert sorted(p.name for p in site.glob('*.html')) == sorted(PAGES + SITE_ONLY)
    for page in PAGES + SITE_ONLY:
        text = (site / page).read_text()
        parser = Assets(); parser.feed(text)
        assert parser.urls and not [u for u in parser.urls if urllib.parse.urlparse(u).scheme], (page, parser.urls)
        assert all((site / u).is_file() for u in parser.urls), f"{page}: loads a file the build did not write {parser.urls}"
        # without an icon of its own a page gets the one at the root of its host, which a site in a folder cannot provide
        assert parser.icons == ['favicon.svg'], f"{page}: declares the icons {parser.icons}"
        assert not re.search(r'@import|url\(\s*["\']?(https?:)?//', text), page
        sidebar = re.search(r'<nav id="sidebar".*?>(.*?)</nav>', text, re.S).group(1)
        assert re.findall(r'<li><a href="([^"]+)"', sidebar) == SIDEBAR, f"{page}: sidebar"
        assert re.findall(r'<summary>([^<]+)</summary>', sidebar) == list(GROUPS), f"{page}: the sidebar's groups"
        opened = re.findall(r'<details class="group" open><summary>([^<]+)</summary>', sidebar)
        home = {GROUPS[0], group_of(page)} if page in PAGES else {GROUPS[0]}
        assert opened == sorted(home, key=GROUPS.index), f"{page}: groups open {opened}"
    for asset in ('style.css', 'site.js', 'explorer.js'):
        assert not re.search(r'@import|url\(|https?://', (site / asset).read_text()), asset
    assert not re.search(r'href|url\(|@import', (site / 'favicon.svg').read_text()), "the icon loads something"

def test_every_footer_states_version_licence_and_changelog(site):
    """Every page's footer gives settings.ini's version, which is the package's (tests/test_package.py checks the wheel's
    and CITATION.cff's against it too), the licence that LICENSE holds, and a link to the changelog page, which is
    CHANGELOG.md with links that lead to pages the site has."""
    from configparser import ConfigParser
    import spyx_axn
    cfg = ConfigParser(delimiters=['=']); cfg.read(ROOT / 'settings.ini', encoding='utf-8')
    version = cfg['DEFAULT']['version']
    assert spyx_axn.__version__ == version
    title = ' '.join(l.strip() for l in (ROOT / 'LICENSE').read_text().splitlines() if l.strip())
    assert title.startswith('Apache License Version 2.0'), title[:60]
    for page in PAGES + SITE_ONLY:
        footer = re.findall(r'<footer class="site-footer"[^>]*>(.*?)</footer>', (site / page).read_text(), re.S)
        assert len(footer) == 1, f"{page}: {len(footer)} footers"
        text = re.sub(r'<[^>]+>', '', footer[0]).split()
        assert ' '.join(text) == f'spyx_axn {version} · Apache License 2.0 · Changelog', f"{page}: footer {text}"
        assert re.findall(r'href="([^"]+)"', footer[0]) == ['changelog.html'], page
    changelog = (ROOT / 'CHANGELOG.md').read_text()
    assert re.search(rf'^## \[{re.escape(version)}\] - ', changelog, re.M), f"CHANGELOG.md has no section for {version}"
    page = (site / 'changelog.html').read_text()
    heading = rf'<h2 id="v{re.escape(version)}">\[{re.escape(version)}\] - '
    assert re.search(heading, page), "the changelog page lacks this version's section, or its anchor"
    local = {u.split('#')[0] for u in re.findall(r'\]\(([^)\s]+)\)', changelog) if not re.match(r'[a-z]+:', u)}
    assert local and all((site / u).is_file() for u in local), sorted(u for u in local if not (site / u).is_file())

def test_the_sidebar_groups_every_page_once():
    "Each page in one group; an activation's page (from the registry) among the surrogates; Home, the guide and the explorer first."
    assert sorted(SIDEBAR) == sorted(PAGES)
    assert {group_of(p) for p in docs.activation_pages().values()} == {'Surrogates'}
    assert SIDEBAR[:3] == ['index.html', 'choosing.html', 'explorer.html']
    assert group_of('translation.html') == group_of('spoken_digits.html') == 'Guides and evidence'
    assert group_of('adaptive.html') == group_of('training.html') == 'Training'  # a way to train, not a kind of spike

def saved_text(nb_name):
    "The text and Markdown outputs saved in a notebook, in order."
    return [''.join(o.get('text', '')) + ''.join(o.get('data', {}).get('text/markdown', ''))
            for c in cells(nb_name) for o in c.get('outputs', [])]

def test_saved_table_and_gallery_show_every_activation():
    "The site shows saved outputs: a new activation reaches the table and gallery once `make outputs` has run."
    from spyx_axn import available
    names = available()
    table = next(t for t in saved_text('index.ipynb') if t.startswith('| activation'))
    assert re.findall(r'^\| \[(\w+)\]\(\d+_\w+\.ipynb\) \|', table, re.M) == names, "run `make outputs`: the table is stale"
    assert saved_text('45_gallery.ipynb')[0].strip().split(', ') == names, "run `make outputs`: the gallery is stale"

# The explorer's data, as its page reads it.
def explorer_data(site):
    text = (site / 'explorer-data.js').read_text()
    return json.loads(re.search(r'window\.EXPLORER_DATA = (.*);\s*$', text, re.S).group(1))

floats = lambda s: np.frombuffer(base64.b64decode(s), '<f4')

def page_figure(page):
    "The activations and range of x of the figure under a page's `## Plot` heading, by running that cell with `plot` recording."
    import spyx_axn, spyx_axn.plotting
    nb = json.loads(NB_OF[page].read_text())
    cells = [''.join(c['source']) for c in nb['cells']]
    at = next(i for i, s in enumerate(cells) if re.search(r'^## Plot', s, re.M))
    src = next(s for s in cells[at:] if 'plot(' in s and nb['cells'][cells.index(s)]['cell_type'] == 'code')
    calls = []
    ns = {**vars(spyx_axn), 'np': np, 'jnp': __import__('jax.numpy', fromlist=['x']),
          'plot': lambda acts, *a, xlim=(-2., 2.), **kw: calls.append((list(acts), tuple(map(float, xlim))))}
    exec(src, ns)
    return calls[0]

def test_explorer_defaults_are_the_pages_curves(site):
    "At its defaults, each activation's explorer curve is, point for point, the one its page's figure draws."
    from spyx_axn import available, get
    from spyx_axn.plotting import curve
    data = explorer_data(site)
    assert list(data) == available()
    drawn = 0
    for name, d in data.items():
        acts, xlim = page_figure(d['page'])
        assert d['xlim'] == list(xlim), f"{name}: the explorer's range of x is not its page's"
        default = d['curves'][','.join(str(p['default']) for p in d['params'])]
        assert [p['values'][p['default']] for p in d['params']] == [float(v) for v in get(name).hyperparameters.values()]
        x, g = curve(get(name), xlim)
        np.testing.assert_array_equal(floats(d['x']), x)
        np.testing.assert_array_equal(floats(default['g']), g)
        if get(name) in acts:  # the page draws the defaults: the very same points
            np.testing.assert_array_equal(curve(acts[acts.index(get(name))], xlim)[1], floats(default['g'])); drawn += 1
    assert drawn >= len(data) - 3, f"only {drawn} pages draw their activation's defaults"

def test_explorer_draws_the_primitive_where_an_activation_has_one(monkeypatch):
    "F(x) is computed from `act.primitive` where the activation has that attribute, and left out where not."
    import spyx_axn
    get = spyx_axn.get
    e = explorer.explorer_curves('arctan', (-2., 2.), n=5)
    assert all(('F' in c) == hasattr(get('arctan'), 'primitive') for c in e['curves'].values())
    def with_primitive(name, **h):  # a stand-in primitive, k x, on the activation the registry builds
        act = get(name, **h)
        object.__setattr__(act, 'primitive', lambda x: x * act.hyperparameters['k'])
        return act
    monkeypatch.setattr(spyx_axn, 'get', with_primitive)
    e = explorer.explorer_curves('arctan', (-2., 2.), n=5)
    for i, k in enumerate(e['params'][0]['values']):  # each setting on its own points (its range of x follows its width)
        c = e['curves'][str(i)]
        at_default = i == e['params'][0]['default']
        np.testing.assert_array_equal(c['x'], e['x'] if at_default else explorer.setting_points(c['xlim'], 5))
        np.testing.assert_array_equal(c['F'], np.float32(c['x'] * np.float32(k)))

def code_line(name, d, idx):
    "The explorer's line of code for setting `idx` of activation `name` (tools/site/explorer.js writes it so)."
    return f"axn.{name}({', '.join(p['name'] + '=' + p['code'][i] for p, i in zip(d['params'], idx))})"

def check_code_line(data, code, key):
    """`code`, a line the explorer shows, run with `import spyx_axn as axn`: its activation's gradient (`jax.grad`,
    one point at a time) is the explorer's curve at setting `key`, point for point, on that setting's points."""
    import jax
    import spyx_axn as axn
    name = re.fullmatch(r'axn\.(\w+)\(.*\)', code)[1]
    d = data[name]
    act, c, idx = eval(code, {'axn': axn}), d['curves'][key], [int(i) for i in key.split(',')] if key else []
    assert act.hyperparameters == {p['name']: p['values'][i] for p, i in zip(d['params'], idx)}
    at_default = idx == [p['default'] for p in d['params']]
    xs = floats(d['x']) if at_default else explorer.setting_points(c['xlim'], d['n'])
    g, want = np.asarray(jax.vmap(jax.grad(act))(xs)), floats(c['g'])
    np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-6 * np.abs(want).max(), err_msg=f"{code}: not the explorer's curve")

def test_explorer_code_lines_give_the_curves(site):
    """For every activation, at its defaults and at the ends of each slider: its line of code, run, is an activation
    whose gradient is the explorer's curve at that setting; every value in a line reads back as the value on the grid."""
    data, checked = explorer_data(site), 0
    for name, d in data.items():
        for p in d['params']:
            assert [eval(c) for c in p['code']] == p['values'] and all(type(eval(c)) is type(v) for c, v in zip(p['code'], p['values']))
        default = [p['default'] for p in d['params']]
        ends = [(j, end) for j, p in enumerate(d['params']) for end in (0, len(p['values']) - 1)]
        settings = [default] + [default[:j] + [end] + default[j + 1:] for j, end in ends]
        for idx in settings:
            key = ','.join(map(str, idx))
            if 'error' in d['curves'][key]: continue
            check_code_line(data, code_line(name, d, idx), key); checked += 1
    assert checked > 3 * len(data)

def test_explorer_range_of_x_follows_the_width(site):
    """Each setting's range of x is the page's scaled by its half-maximum width over the defaults': for SuperSpike, whose
    width is 2(√2 - 1)/k, by 25/k; for a boxcar, by its width and not at all by its height; the page's at the defaults."""
    data = explorer_data(site)
    for name, d in data.items():
        default = d['curves'][','.join(str(p['default']) for p in d['params'])]
        assert default['xlim'] == d['xlim'], name
        for c in d['curves'].values():
            if 'g' not in c: continue
            ratio = c['width'] / default['width'] if c['width'] and default['width'] else 1.
            np.testing.assert_allclose(c['xlim'], np.asarray(d['xlim']) * ratio, rtol=1e-12, err_msg=name)
    d = data['superspike']
    for i, k in enumerate(d['params'][0]['values']):
        np.testing.assert_allclose(d['curves'][str(i)]['xlim'], [-2 * 25 / k, 2 * 25 / k], rtol=5e-3)
    widths, heights = (data['boxcar']['params'][j]['values'] for j in (0, 1))
    for i, w in enumerate(widths):
        for j in range(len(heights)):
            c = data['boxcar']['curves'][f'{i},{j}']
            if 'g' in c: np.testing.assert_allclose(c['xlim'], [-2 * w / 2, 2 * w / 2], rtol=5e-3)
    assert explorer.half_width(np.ones(5), np.linspace(-1e6, 1e6, 5), 1e6) is None  # never narrower than the points
    assert explorer.scaled_xlim((-2., 3.), None, 1.) == explorer.scaled_xlim((-2., 3.), 1., 1.) == (-2., 3.)
    assert explorer.scaled_xlim((-2., 3.), 0.5, 1.) == (-1., 1.5)

def test_explorer_sliders_span_the_advised_sweep(site):
    """A slider runs from 1/16 of the default to 16 times it (of its distance from the lower bound, where there is one):
    the sweep that choosing.html advises, a factor of 16 either way."""
    data = explorer_data(site)
    k = data['superspike']['params'][0]['values']  # k > 0
    np.testing.assert_allclose([k[0], k[-1]], [25 / 16, 25 * 16], rtol=1e-12)
    alpha = data['q_pseudospike']['params'][0]['values']  # alpha > 1, default 2
    np.testing.assert_allclose([alpha[0], alpha[-1]], [1 + 1 / 16, 1 + 16], rtol=1e-12)

def code_text(page_html):
    "The text of a page's code blocks (signatures included), without the spans that highlight it."
    import html as html_
    return [html_.unescape(re.sub(r'<[^>]+>', '', b)) for b in re.findall(r'<pre\b.*?</pre>', page_html, re.S)]

def test_signatures_render_as_python_defines_them(site):
    """A signature on the site is the one Python defines: `custom`'s `*` before its keyword-only parameters and its
    annotations as written (`Callable|None`, not nbdev's `Optional`); a NamedTuple's fields, not `*args, **kwargs`."""
    core = ''.join(code_text((site / 'core.html').read_text()))
    assert re.search(r'fwd:Callable=heaviside,[^\n]*\n\s*\*, name:str=', core), "custom: no `*` before name"
    assert 'primitive:Callable|None=None' in core and 'primitive:Optional' not in core
    for page, name, field in (('diagnostics.html', 'Alignment', 'total:Scores'), ('spoken_digits.html', 'Utterance', 'label:int')):
        blocks = [b for b in code_text((site / page).read_text()) if f'def {name}(' in b]
        assert blocks and field in blocks[0] and '*args' not in blocks[0], (page, blocks[:1])

def display_maths(html_text):
    return re.findall(r'<math display="block".*?</math>', html_text, re.S)

def test_explorer_definitions_are_the_pages(site):
    "Each activation's definition on the explorer is the Markdown under its page's `## Definition`, as its page renders it."
    data = explorer_data(site)
    for name, d in data.items():
        page = (site / d['page']).read_text()
        section = page[page.index('<h2 id="definition">'):]
        section = section[:section.find('<h2', 4)]
        maths = display_maths(d['definition'])
        assert maths and maths == display_maths(section)[:len(maths)], f"{name}: the explorer's formula is not its page's"
        assert re.sub(r'\s+', ' ', d['definition']).strip() in re.sub(r'\s+', ' ', section), name
    from execnb.nbio import mk_cell, new_nb
    nb = new_nb([mk_cell('## Definition\n\nthe step, and\n\n$$g(x) = 1$$\n\n## Derivation\n\n$$f$$', cell_type='markdown')])
    assert explorer.definition(nb, 'page.html') == 'the step, and\n\n$$g(x) = 1$$'
    nb = new_nb([mk_cell('## Definition', cell_type='markdown'), mk_cell('$$g$$', cell_type='markdown')])
    assert explorer.definition(nb, 'page.html') == '$$g$$'
    for bad in ([mk_cell('## Plot', cell_type='markdown')], [mk_cell('## Definition\n\nno formula', cell_type='markdown')]):
        with pytest.raises(ValueError, match=r'page\.html: .*Definition'):
            explorer.definition(new_nb(bad), 'page.html')

def test_explorer_reads_the_xlim_of_the_plot_call():
    """The explorer's range of x is the `xlim` of the `plot(...)` call under `## Plot`, however written; `plot`'s
    default without one; an error, never the default, where it cannot be read."""
    from execnb.nbio import mk_cell, new_nb
    def xlim(*code, heading='## Plot'):
        nb = new_nb([mk_cell('# Page', cell_type='markdown'), mk_cell('plot([a], xlim=(-9., 9.))'),
                     mk_cell(heading, cell_type='markdown'), *map(mk_cell, code),
                     mk_cell('## Next', cell_type='markdown'), mk_cell('plot([a], xlim=(-7., 7.))')])
        return explorer.plot_xlim(nb, 'page.html')
    assert xlim('from spyx_axn import *', 'plot([superspike(k) for k in (5, 25)], xlim=(-1e1, 3));') == (-10., 3.)
    assert xlim('fig = plot([a],\n           xlim = [ -3., 3 ])') == (-3., 3.)
    assert xlim('plot([a], None, (-.5, 4.5))') == (-.5, 4.5)  # given in its place rather than by name
    assert xlim('plot([a], xlim=(-1, 1)); plot([a], xlim=(-5, 5))') == (-1., 1.)  # the first call
    assert xlim('plot([a]);') == xlim('x = 1') == xlim('plot([a])', heading='## Other') == (-2., 2.)  # `plot`'s default
    for bad in ('plot([a], xlim=(-L, L))', 'plot([a], xlim=(-2., 2., 3.))', 'plot([a], xlim=(True, 2))',
                'plot([a], xlim=2.)', 'plot([a], xlim=(-1e999, 1))', 'plot([a], **kw)', 'plot([a], x_lim=(-1, 1))',
                'plot([a], xlim=(-1, 1))\n%timeit 1'):
        with pytest.raises(ValueError, match=r'page\.html: '):
            xlim(bad)
    assert explorer.page_xlim('dspike.html') == (-1., 1.)

# ---- in the browser ----

@pytest.fixture(scope='session')  # session: under xdist, a module's tests may come between other files' tests
def served(site):
    "The site served on 127.0.0.1 for the duration of the tests."
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args): pass
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{server.server_address[1]}/'
    server.shutdown()

@pytest.fixture(scope='session')  # session: under xdist, a module's tests may come between other files' tests
def browser():
    "One headless Chromium for every test: Debian's, driven by Playwright (which downloads no browser of its own)."
    if CHROMIUM is None: pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        # no name or address but 127.0.0.1 resolves: a request to another host fails in the browser and never leaves
        # the machine (Playwright's routing would do it too, but it holds back the page icon that Chromium asks for)
        b = p.chromium.launch(executable_path=CHROMIUM, args=['--no-sandbox', '--disable-gpu',
                                                              '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'])
        yield b
        b.close()

class Tab:
    """A page in a fresh context that records, on every page it opens, console errors, uncaught exceptions, failed
    requests and requests to another host."""
    def __init__(self, browser, base, **context):
        self.context = browser.new_context(viewport=context.pop('viewport', {'width': 1400, 'height': 900}), **context)
        self.page, self.base, self.errors, self.elsewhere, self.failed = self.context.new_page(), base, [], [], []
        self.page.set_default_timeout(15_000)
        self.page.on('console', lambda m: m.type == 'error' and self.errors.append(f"console: {m.text} {m.location['url']}"))
        self.page.on('pageerror', lambda e: self.errors.append(f"exception: {e}"))
        self.page.on('requestfailed', lambda r: self.failed.append((r.failure, r.url, r.headers.get('referer'))))
        self.page.on('response', lambda r: r.status >= 400 and self.failed.append((r.status, r.url, r.headers.get('referer'))))
        self.context.on('request', lambda r: r.url.startswith((base, 'data:', 'blob:')) or self.elsewhere.append(r.url))

    def open(self, page):
        "Load `page`: its scripts, styles and figures are in by the load event (search loads its index on input)."
        self.page.goto(self.base + page, wait_until='load')
        return self.page

    def clean(self, what, settle=True):
        """Nothing recorded so far. With `settle`, once the network has been quiet for half a second: the browser asks
        for a page's icon only after its load event, and for a page that declares none it asks for /favicon.ico in a
        request Playwright does not report, so that a 404 there shows only in the console. Within a run of pages,
        `settle=False` after each page and a settled check at the end."""
        if settle: self.page.wait_for_load_state('networkidle')
        # a request cut off because its page was left (an icon still loading when the test moves on) has not failed
        here = self.page.url.partition('#')[0]
        failed = [f"{why} {url}" for why, url, page in self.failed if why != 'net::ERR_ABORTED' or page == here]
        assert not self.errors, f"{what}: {self.errors}"
        assert not failed, f"{what}: failed requests {failed}"
        assert not self.elsewhere, f"{what}: requests to another host {self.elsewhere}"

    def close(self): self.context.close()

@pytest.fixture
def tab(browser, served):
    t = Tab(browser, served); yield t; t.close()

# Everything a check needs from a loaded page, in one evaluation.
INSPECT = """() => {
  const seen = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const prose = document.querySelector('main').cloneNode(true);
  prose.querySelectorAll('pre, code, math, script').forEach(e => e.remove());
  const main = document.querySelector('main').getBoundingClientRect();
  return {
    maths: [...document.querySelectorAll('main math')].map(m => ({display: getComputedStyle(m).display, seen: seen(m)})),
    tex_left: (prose.textContent.match(/\\$[^$]*\\$?/g) || []).slice(0, 3),
    images: [...document.querySelectorAll('main img')].map(i => ({src: i.getAttribute('src'),
             shown: i.complete && i.naturalWidth > 0 && seen(i), width: i.getBoundingClientRect().width})),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
    sidebar: [...document.querySelectorAll('#sidebar li a')].map(a => a.getAttribute('href')),
    search: !!document.querySelector('#search input'),
    overflow: [...document.querySelectorAll('main > *')].filter(e => e.getBoundingClientRect().right > main.right + 1)
                .map(e => e.tagName + '.' + e.className),
    code: document.querySelectorAll('main div.sourceCode').length,
    copy: document.querySelectorAll('main div.sourceCode > button.copy').length,
    covered: [...document.querySelectorAll('main div.sourceCode.has-copy')].filter(box => {  // code under its copy button
      const b = box.querySelector(':scope > button.copy').getBoundingClientRect(), text = document.createRange();
      text.selectNodeContents(box.querySelector('pre'));
      return [...text.getClientRects()].some(t => t.right > b.left && t.left < b.right && t.bottom > b.top && t.top < b.bottom);
    }).length,
    explore: [...document.querySelectorAll('header .explore a')].map(a => a.getAttribute('href')),
  };
}"""

def test_every_page_in_chromium(tab, site, served):
    """Every page loads without an error (in its console, its scripts or its requests, its icon's included), from this
    host only, with its figures, math, search box and links, and no copy button over code."""
    seen = {}
    pages = docs.activation_pages()
    for page in PAGES + SITE_ONLY:
        info = seen[page] = tab.open(page).evaluate(INSPECT)
        tab.clean(page, settle=False)
        if page in ('index.html', 'gallery.html'):
            tab.page.screenshot(path=site / 'screenshots' / page.replace('.html', '.png'), full_page=True)
        nb = NB_OF.get(page)
        if nb and has_math(nb): assert info['maths'], f"{page}: the notebook has math, the page has no MathML"
        for m in info['maths']:
            assert 'math' in m['display'] and m['seen'], f"{page}: MathML not rendered as math: {m}"
        assert not info['tex_left'], f"{page}: TeX left unrendered in the text: {info['tex_left']}"
        imgs = info['images']
        assert len(imgs) == (figures(nb) if nb else 0), f"{page}: {len(imgs)} images shown"
        assert all(i['shown'] and i['src'].startswith('figures/') for i in imgs), f"{page}: figure not shown: {imgs}"
        assert info['sidebar'] == SIDEBAR, f"{page}: the sidebar lists {info['sidebar']}"
        assert info['search'], f"{page}: no search box"
        assert not info['overflow'], f"{page}: runs past the right edge of the column: {info['overflow']}"
        assert info['copy'] == info['code'], f"{page}: {info['code']} code blocks, {info['copy']} copy buttons"
        assert not info['covered'], f"{page}: the copy button covers code in {info['covered']} blocks"
        assert info['explore'] == [f'explorer.html#{n}' for n, p in pages.items() if p == page], f"{page}: explorer link"
    for page, info in seen.items():
        for link in info['links']:
            if not link.startswith(served): continue
            target, _, anchor = link[len(served):].partition('#')
            assert target in seen, f"{page}: link to a missing page {link}"
            if target != 'explorer.html':
                assert not anchor or urllib.parse.unquote(anchor) in seen[target]['ids'], f"{page}: link to a missing anchor {link}"
    tab.clean('every page')

def test_search_finds_superspike(tab, site):
    "Typing `superspike` in the search box (Pagefind, over the whole site) lists the SuperSpike page."
    page = tab.open('arctan.html')
    page.locator('#search input').fill('superspike')
    link = page.locator('#search .pagefind-ui__result-link', has_text='SuperSpike').first
    link.wait_for()
    assert link.get_attribute('href').endswith('superspike.html')
    page.screenshot(path=site / 'screenshots' / 'search.png')
    tab.clean('search')

# What people type, and the page its first result must be: other libraries' names for a surrogate, and whether a width
# can be learned. The notebooks' `- keywords:` lines put them in the index.
QUERIES = {'fast sigmoid': 'superspike.html', 'atan': 'unit_arctan.html', 'STE': 'straight_through.html',
           'learnable': 'adaptive.html'}

def results(page, query):
    "The result links Pagefind's box lists for `query`, once it has answered that query."
    page.locator('#search input').fill(query)
    message = page.locator('#search .pagefind-ui__message')
    page.wait_for_function("q => document.querySelector('#search .pagefind-ui__message')?.textContent.includes(q)", arg=query)
    if message.text_content().startswith('No results'): return []
    page.locator('#search .pagefind-ui__result-link').first.wait_for()  # the results load after their count
    return [a.get_attribute('href') for a in page.locator('#search .pagefind-ui__result-link').all()]

def test_search_finds_what_people_type(tab, site):
    "Each query of QUERIES has its page first; the TeX that each formula carries as its annotation is not indexed."
    page = tab.open('index.html')
    for query, want in QUERIES.items():
        found = results(page, query)
        assert found and found[0].endswith(want), f"{query!r}: first results {found[:3]}"
    assert results(page, 'derivative')  # the pages that derive a surrogate: their excerpts quote formulas, without TeX
    excerpts = page.locator('#search .pagefind-ui__result-excerpt').all_text_contents()
    assert excerpts and not [e for e in excerpts if re.search(r'\\[A-Za-z]+', e)], excerpts
    tags = re.findall(r'<annotation\b[^>]*>', (site / 'superspike.html').read_text())
    assert tags and all('data-pagefind-ignore' in t for t in tags)
    tab.clean('search queries')

# The horizontal overflow of each quick table of the translation page, in px (positive: it scrolls sideways).
QUICK_TABLES = """() => {
  const boxes = [];
  for (let e = document.getElementById('quick-reference').nextElementSibling; e && e.tagName !== 'H2'; e = e.nextElementSibling)
    boxes.push(...(e.matches('.table-wrap') ? [e] : e.querySelectorAll('.table-wrap')));
  return boxes.map(b => b.scrollWidth - b.clientWidth);
}"""

def test_the_translation_quick_tables_fit(tab, browser, served, site):
    """At 1400 px and at a phone's 390 px, the translation page's quick tables (peer call, spyx_axn call) fit their
    column: none scrolls sideways, so that the spyx_axn column is never out of sight."""
    boxes = tab.open('translation.html').evaluate(QUICK_TABLES)
    assert len(boxes) >= 6 and max(boxes) <= 0, boxes
    tab.clean('translation')
    phone = Tab(browser, served, viewport={'width': 390, 'height': 800})
    try:
        boxes = phone.open('translation.html').evaluate(QUICK_TABLES)
        assert len(boxes) >= 6 and max(boxes) <= 0, f"at phone width: {boxes}"
        phone.clean('translation at phone width')
    finally: phone.close()

def test_peer_names_are_not_linked(site):
    """In the translation and conformance tables, a peer's constructor (first column) links to no spyx_axn object of the
    same name: snnTorch's `heaviside()` is not spyx_axn's. spyx_axn's own calls (the conformance tables' ↳ rows) may."""
    for page in ('translation.html', 'conformance.html'):
        tables = [t for t in re.findall(r'<table.*?</table>', (site / page).read_text(), re.S) if re.search(r'<th[^>]*>constructor', t)]
        assert len(tables) >= 5, f"{page}: {len(tables)} tables of constructors"
        first = [c for t in tables for c in re.findall(r'<tr[^>]*>\s*<td[^>]*>(.*?)</td>', t, re.S)]
        linked = [c for c in first if '<a ' in c and not c.startswith('↳')]
        assert first and not linked, f"{page}: peer constructors linked to spyx_axn's pages: {linked[:3]}"

def test_explorer_slider_moves_curve_and_peak(tab, site):
    "Each activation's page links to the explorer preset to it; moving a slider redraws g and changes its peak."
    page = tab.open('erf.html')
    page.locator('header .explore a').click()
    page.wait_for_url('**/explorer.html#erf')
    assert page.locator('#explorer-act').input_value() == 'erf'
    state = lambda: (page.locator('#explorer-peak').text_content(), page.locator('#explorer-area').text_content(),
                     page.locator('#explorer-g').evaluate('c => c.toDataURL()'))
    from spyx_axn import describe, get
    peak, area, drawn = state()
    assert peak == f"{describe(get('erf'))['peak']:.4g}" and area == f"{describe(get('erf'))['area']:.4g}"
    slider = page.locator('#explorer-slider-0')
    slider.focus(); page.keyboard.press('ArrowRight'); page.keyboard.press('ArrowRight')
    peak2, area2, drawn2 = state()
    assert peak2 != peak and drawn2 != drawn, "the slider changed neither the peak nor the curve"
    k = explorer_data(site)['erf']['params'][0]['values'][int(slider.input_value())]
    assert peak2 == f"{float(get('erf', k=k).surrogate(np.float32(0))):.4g}"
    page.screenshot(path=site / 'screenshots' / 'explorer.png', full_page=True)
    page.locator('#explorer-hold').check()  # the y axis held at the range of every setting: the same curve, drawn smaller
    assert page.locator('#explorer-g').evaluate('c => c.toDataURL()') != drawn2
    page.select_option('#explorer-act', 'boxcar')
    assert page.url.endswith('#boxcar') and page.locator('#explorer-slider-1').count() == 1
    tab.clean('explorer')

def test_explorer_code_line_follows_the_sliders(tab, site):
    """The explorer shows a line of code for the settings shown, which changes with a slider and with the activation;
    each line it shows, run, gives the curve it draws; its button copies it."""
    data = explorer_data(site)
    page = tab.open('explorer.html#superspike')
    code = page.locator('#explorer-code')
    shown = [(code.text_content(), '6')]
    assert shown[0][0] == 'axn.superspike(k=25)'
    slider = page.locator('#explorer-slider-0')
    for key in ('ArrowRight', 'ArrowRight', 'Home'):
        slider.focus(); page.keyboard.press(key); shown.append((code.text_content(), slider.input_value()))
    assert [line for line, _ in shown] == [f"axn.superspike(k={data['superspike']['params'][0]['code'][int(i)]})" for _, i in shown]
    assert len({line for line, _ in shown}) == 4, shown
    page.select_option('#explorer-act', 'boxcar')
    for j in (0, 1):
        page.locator(f'#explorer-slider-{j}').focus(); page.keyboard.press('ArrowLeft')
        shown.append((code.text_content(), ','.join(page.locator(f'#explorer-slider-{i}').input_value() for i in (0, 1))))
    assert shown[-1][0].startswith('axn.boxcar(width=') and shown[-1][0] != shown[-2][0]
    page.select_option('#explorer-act', 'straight_through')
    shown.append((code.text_content(), ''))
    assert shown[-1][0] == 'axn.straight_through()'
    for line, key in shown: check_code_line(data, line, key)
    tab.context.grant_permissions(['clipboard-read', 'clipboard-write'])
    page.locator('.explorer-code button.copy').click()
    assert page.evaluate('navigator.clipboard.readText()') == 'axn.straight_through()'
    tab.clean('explorer, code')

def test_explorer_range_of_x_follows_the_width_slider(tab, site):
    """Moving a width slider rescales the x axis by the width's ratio to the defaults' (shown under the sliders and on the
    canvas); a height slider leaves it alone; the definition shown is the activation's."""
    data = explorer_data(site)
    page = tab.open('explorer.html#boxcar')
    xlim = lambda: [float(v) for v in page.locator('#explorer-g').get_attribute('data-xlim').split(',')]
    assert xlim() == data['boxcar']['xlim'] == [-2., 2.] and page.locator('#explorer-xlim').text_content() == '-2 to 2'
    page.locator('#explorer-slider-1').focus(); page.keyboard.press('ArrowRight')  # the height: the same range
    assert xlim() == [-2., 2.]
    page.locator('#explorer-slider-0').focus(); page.keyboard.press('ArrowLeft'); page.keyboard.press('ArrowLeft')
    w = data['boxcar']['params'][0]['values'][int(page.locator('#explorer-slider-0').input_value())]
    assert w < 2 and xlim() == data['boxcar']['curves'][f"{page.locator('#explorer-slider-0').input_value()},4"]['xlim']
    np.testing.assert_allclose(xlim(), [-w, w], rtol=5e-3)  # the window's width, w, over the default's, 2
    assert page.locator('#explorer-xlim').text_content() == f"{xlim()[0]:.4g} to {xlim()[1]:.4g}"
    maths = page.locator('#explorer-definition math[display="block"] annotation').all_text_contents()
    assert maths and maths[0].startswith('g_{w,h}(x)'), maths
    page.select_option('#explorer-act', 'erf')
    erf = page.locator('#explorer-definition math[display="block"] annotation').first.text_content()
    assert erf.startswith('g_k(x) = \\frac{k}{\\sqrt\\pi}'), erf
    page.screenshot(path=site / 'screenshots' / 'explorer-width.png', full_page=True)
    tab.clean('explorer, range of x')

def test_explorer_overlay(tab, site):
    "A second activation, none at first, is drawn over the first in another colour, named in the legend, and taken away again."
    page = tab.open('explorer.html#superspike')
    canvas, legend = page.locator('#explorer-g'), page.locator('#explorer-legend')
    assert page.locator('#explorer-overlay').input_value() == '' and canvas.get_attribute('data-overlay') == ''
    alone = canvas.evaluate('c => c.toDataURL()')
    assert 'erf' not in legend.text_content()
    page.select_option('#explorer-overlay', 'erf')
    assert canvas.get_attribute('data-overlay') == 'erf' and canvas.evaluate('c => c.toDataURL()') != alone
    assert legend.locator('.explorer-key').all_text_contents() == ['superspike at its defaults', 'erf at its defaults']
    colours = legend.locator('.explorer-swatch').evaluate_all('s => s.map(e => getComputedStyle(e).backgroundColor)')
    assert len(set(colours)) == 2, colours
    # the overlay's colour is on the canvas: its pixels are found there, and only with the overlay drawn
    count = """(c, colour) => {
      const [r, g, b] = colour.match(/\\d+/g).map(Number), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) n += Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) < 30;
      return n;
    }"""
    with_overlay = canvas.evaluate(count, colours[1])
    page.screenshot(path=site / 'screenshots' / 'explorer-overlay.png', full_page=True)
    page.locator('#explorer-slider-0').focus(); page.keyboard.press('ArrowRight')  # the overlay stays as the first moves
    assert canvas.get_attribute('data-overlay') == 'erf' and len(legend.locator('.explorer-key').all_text_contents()) == 3
    page.keyboard.press('ArrowLeft'); page.select_option('#explorer-overlay', '')
    assert canvas.evaluate('c => c.toDataURL()') == alone and 'erf' not in legend.text_content()
    assert with_overlay > 100 and canvas.evaluate(count, colours[1]) == 0
    tab.clean('explorer, overlay')

def test_explorer_draws_the_primitive(tab, site):
    "Where the data holds F(x), as for an activation with `primitive`, the explorer draws it, and redraws it with a slider."
    data = explorer_data(site)
    with_F = [n for n, d in data.items() if d['Flim']]
    name = with_F[0] if with_F else 'superspike'
    if not with_F:  # no activation has `primitive` yet: a stand-in F, the data's own g, in the data the page loads
        d = data[name]
        for c in d['curves'].values(): c['F'] = c['g']
        d['Flim'] = d['ylim']
        body = f"window.EXPLORER_DATA = {json.dumps(data)};"
        tab.context.route('**/explorer-data.js', lambda r: r.fulfill(body=body, content_type='text/javascript'))
    page = tab.open(f'explorer.html#{name}')
    figure = page.locator('#explorer-F-figure')
    assert figure.is_visible()
    drawn = page.locator('#explorer-F').evaluate('c => c.toDataURL()')
    page.locator('#explorer-slider-0').focus(); page.keyboard.press('ArrowLeft')
    assert page.locator('#explorer-F').evaluate('c => c.toDataURL()') != drawn
    without = [n for n in data if not data[n]['Flim'] and n != name]
    if without:  # an activation without a primitive: no F panel
        page.select_option('#explorer-act', without[0])
        assert figure.is_hidden(), f"F drawn for {without[0]}, which has no primitive"
    tab.clean('explorer, primitive')

def test_dark_mode(browser, served, site):
    "With the system in dark mode the pages turn dark, figures keep a white background; screenshots saved."
    t = Tab(browser, served, color_scheme='dark')
    try:
        for page in ('index.html', 'gallery.html', 'explorer.html#sigmoid', 'translation.html'):
            p = t.open(page)
            colours = p.evaluate("""() => ({body: getComputedStyle(document.body).color,
                bg: getComputedStyle(document.querySelector('main pre, main canvas, body')).backgroundColor,
                img: [...document.querySelectorAll('main img')].map(i => getComputedStyle(i).backgroundColor)})""")
            light = lambda c: sum(map(int, re.findall(r'\d+', c)[:3])) / 3
            assert light(colours['body']) > 180 and light(colours['bg']) < 60, f"{page}: not dark: {colours}"
            assert all(c == 'rgb(255, 255, 255)' for c in colours['img']), f"{page}: figure without its white background"
            p.screenshot(path=site / 'screenshots' / f"dark-{page.split('.')[0]}.png", full_page=page != 'translation.html')
        t.clean('dark mode')
    finally: t.close()

# At phone width, how far past the right edge of the window the document scrolls, and where each displayed equation
# reaches as drawn: to the right edge of the box it scrolls in (one inside `main`), or, in none, to its content's right edge.
PHONE = """() => {
  const main = document.querySelector('main'), width = document.documentElement.clientWidth;
  const reach = m => {
    for (let a = m.parentElement; a !== main; a = a.parentElement)
      if (/auto|scroll/.test(getComputedStyle(a).overflowX)) return a.getBoundingClientRect().right;
    return Math.max(...[m, ...m.querySelectorAll('*')].map(e => e.getBoundingClientRect().right));
  };
  return {sideways: document.documentElement.scrollWidth - width,
          maths: [...main.querySelectorAll('math[display="block"]')].map(m => ({reach: reach(m), width,
                  tex: m.querySelector('annotation')?.textContent.slice(0, 60)})),
          figures: [...main.querySelectorAll('img')].map(i => ({src: i.getAttribute('src'), reach: reach(i), width,
                    scale: i.getBoundingClientRect().width / +i.getAttribute('width')}))};
}"""

def has_display_math(nb_path):
    return any(c['cell_type'] == 'markdown' and '$$' in ''.join(c['source']) for c, _ in shown(nb_path))

def test_phone_width_and_copy(browser, served, site):
    """At phone width no page scrolls sideways, and each displayed equation or figure wider than the column scrolls in a
    box of its own, a figure shown at nine tenths of its drawn size or more, so that its legend stays readable; the
    sidebar folds behind a Menu button; a code block's button copies its code."""
    t = Tab(browser, served, viewport={'width': 390, 'height': 800}, permissions=['clipboard-read', 'clipboard-write'])
    try:
        # the explorer shows its activation's definition, quoted from its page with its displayed equation
        maths = [page for page, nb in NB_OF.items() if has_display_math(nb)] + ['explorer.html']
        assert 'superspike.html' in maths
        for page in sorted(PAGES + SITE_ONLY, key=lambda page: page == 'superspike.html'):  # SuperSpike last, to stay on it
            info = t.open(page).evaluate(PHONE)
            assert bool(info['maths']) == (page in maths), f"{page}: displayed math in the notebook, not on the page"
            assert info['sideways'] <= 0, f"{page}: the page scrolls {info['sideways']}px sideways at phone width"
            past = [m for m in info['maths'] if m['reach'] > m['width'] + 0.5]
            assert not past, f"{page}: displayed equations run past the right edge at phone width: {past}"
            # a figure keeps the size of its labels and legend: at most a tenth smaller than drawn, in a box that scrolls
            small = [f for f in info['figures'] if not f['scale'] >= docs.FIGURE_SCALE - 1e-3]
            assert not small, f"{page}: figures shrunk until their legends are unreadable at phone width: {small}"
            past = [f for f in info['figures'] if f['reach'] > f['width'] + 0.5]
            assert not past, f"{page}: figures run past the right edge at phone width: {past}"
            t.clean(page, settle=False)
        p = t.page
        p.locator('main math[display="block"]').nth(1).scroll_into_view_if_needed()  # the derivation, wider than a phone
        p.screenshot(path=site / 'screenshots' / 'phone-math.png')
        p.evaluate('window.scrollTo(0, 0)')
        assert not p.locator('#sidebar li a').first.is_visible()
        p.screenshot(path=site / 'screenshots' / 'phone.png')
        p.locator('#menu-toggle').click()
        assert p.locator('#sidebar li a', has_text='Home').is_visible()
        p.screenshot(path=site / 'screenshots' / 'phone-menu.png')
        p.locator('#menu-toggle').click()
        block = p.locator('main div.sourceCode').first
        block.locator('button.copy').click()
        assert p.evaluate('navigator.clipboard.readText()') == block.locator('pre').inner_text().rstrip('\n')
        t.clean('phone')
    finally: t.close()

def test_opened_from_disk(browser, site):
    "Opened straight from disk (file://), pages and the explorer work; search says it needs `make serve`."
    t = Tab(browser, site.as_uri() + '/')
    try:
        p = t.open('explorer.html#superspike')
        assert p.locator('#explorer-act').input_value() == 'superspike' and p.locator('#explorer-peak').text_content() == '1'
        assert 'make serve' in p.locator('#search').text_content()
        t.open('index.html'); t.clean('file://')
    finally: t.close()

# The site's build and the browser take a minute and a half of the fast tier's two: every test that reads the built
# site runs in the slow tier (make test-slow, CI), and `make docs` builds it. The checks that read only the notebooks
# and tools/ stay in the fast tier.
for _test in [f for n, f in list(globals().items()) if n.startswith('test_') and callable(f)]:
    if {'site', 'tab', 'browser', 'served'} & set(inspect.signature(_test).parameters): pytest.mark.slow(_test)
