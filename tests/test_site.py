"""The documentation site as a reader gets it: built from the notebooks, served from 127.0.0.1 and opened,
page by page, in headless Chromium driven over the DevTools protocol."""
import functools, http.server, json, re, shutil, subprocess, sys, tempfile, threading, time
import urllib.parse, urllib.request
from html.parser import HTMLParser
from pathlib import Path
import pytest
from conftest import ROOT

# The pages, in sidebar order: the home page, then every notebook in file order, named without its number.
NBS = sorted((ROOT / 'nbs').glob('*.ipynb'), key=lambda p: (p.name != 'index.ipynb', p.name))
PAGES = [re.sub(r'^\d+_', '', p.stem) + '.html' for p in NBS]
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')

def build(out):
    "Build the site into `out` as `make docs` does, in a process of its own (it runs the notebooks' imports)."
    r = subprocess.run([sys.executable, ROOT / 'tools' / 'docs.py', out], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, f"the site build failed:\n{r.stdout}\n{r.stderr}"

def shown(nb_path):
    "The cells of a notebook that its page shows: all but `#| hide` and `#| include: false`."
    for c in json.loads(nb_path.read_text())['cells']:
        flags = {f.replace(' ', '') for f in re.findall(r'^#\|\s*(.+?)\s*$', ''.join(c['source']), re.M)}
        if not flags & {'hide', 'include:false'}: yield c, flags

def figures(nb_path):
    "How many figures a notebook saved in the cells its page shows."
    return sum('image/png' in o.get('data', {}) for c, flags in shown(nb_path) if 'output:false' not in flags
               for o in c.get('outputs', []))

def has_math(nb_path):
    return any(c['cell_type'] == 'markdown' and '$' in ''.join(c['source']) for c, _ in shown(nb_path))

class Assets(HTMLParser):
    "Every address a page loads by itself (scripts, styles, images, frames), as opposed to links a reader follows."
    def __init__(self): super().__init__(); self.urls = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ('script', 'img', 'iframe', 'source', 'video', 'audio', 'embed') and a.get('src'): self.urls.append(a['src'])
        if tag == 'link' and a.get('href'): self.urls.append(a['href'])

def test_a_page_per_notebook_loading_nothing_from_elsewhere(tmp_path):
    build(tmp_path)
    assert sorted(p.name for p in tmp_path.glob('*.html')) == sorted(PAGES)
    for page in PAGES:
        text = (tmp_path / page).read_text()
        parser = Assets(); parser.feed(text)
        assert parser.urls and not [u for u in parser.urls if urllib.parse.urlparse(u).scheme], (page, parser.urls)
        assert not re.search(r'@import|url\(\s*["\']?(https?:)?//', text), page
        sidebar = re.search(r'<nav id="sidebar">(.*?)</nav>', text, re.S).group(1)
        assert re.findall(r'<li><a href="([^"]+)"', sidebar) == PAGES, f"{page}: sidebar"
    assert not re.search(r'@import|url\(', (tmp_path / 'style.css').read_text())

def saved_text(nb_name):
    "The text and Markdown outputs saved in a notebook, in order."
    cells = json.loads((ROOT / 'nbs' / nb_name).read_text())['cells']
    return [''.join(o.get('text', '')) + ''.join(o.get('data', {}).get('text/markdown', ''))
            for c in cells for o in c.get('outputs', [])]

def test_saved_table_and_gallery_show_every_activation():
    "The site shows saved outputs: a new activation reaches the table and gallery once `make outputs` has run."
    from spyx_axn import available
    names = available()
    table = next(t for t in saved_text('index.ipynb') if t.startswith('| activation'))
    assert re.findall(r'^\| `(\w+)` \|', table, re.M) == names, "run `make outputs`: the table is stale"
    assert saved_text('45_gallery.ipynb')[0].strip().split(', ') == names, "run `make outputs`: the gallery is stale"

class Chromium:
    "Headless Chromium with a fresh profile, driven over the DevTools protocol; records each page's requests."
    def __init__(self, exe):
        import websocket  # websocket-client, pinned in requirements-dev.txt
        self.profile = tempfile.mkdtemp(prefix='chromium-profile-')
        self.proc = subprocess.Popen(
            [exe, '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
             '--disable-component-update', '--disable-sync', '--no-first-run', f'--user-data-dir={self.profile}',
             '--remote-debugging-port=0', 'about:blank'], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            start_new_session=True)  # its own process group: signals Chromium sends its group never reach pytest
        for line in self.proc.stderr:
            if m := re.search(r'DevTools listening on ws://[^:]+:(\d+)/', line): break
        else: raise RuntimeError(f"chromium exited with {self.proc.wait()} before opening its DevTools port")
        threading.Thread(target=self.proc.stderr.read, daemon=True).start()  # keep its stderr pipe drained
        targets = json.load(urllib.request.urlopen(f'http://127.0.0.1:{m.group(1)}/json/list'))
        url = next(t['webSocketDebuggerUrl'] for t in targets if t['type'] == 'page')
        self.ws, self.n, self.events = websocket.create_connection(url, timeout=60, suppress_origin=True), 0, []
        for domain in ('Page', 'Network', 'Runtime'): self.send(f'{domain}.enable')
        self.send('Emulation.setDeviceMetricsOverride', width=1400, height=900, deviceScaleFactor=1, mobile=False)

    def recv(self):
        msg = json.loads(self.ws.recv())
        if 'method' in msg: self.events.append(msg)
        return msg

    def send(self, method, **params):
        self.n += 1
        self.ws.send(json.dumps({'id': self.n, 'method': method, 'params': params}))
        while (msg := self.recv()).get('id') != self.n: pass
        if 'error' in msg: raise RuntimeError(f"{method}: {msg['error']}")
        return msg['result']

    def open(self, url, timeout=60):
        "Load `url` until its load event has fired and no request is pending; return its requests and failures."
        self.events.clear()
        self.send('Page.navigate', url=url)
        deadline, loaded, pending, done = time.time() + timeout, False, set(), 0
        while True:
            for e in self.events[done:]:  # those that came with the reply to navigate, then each new one
                m, p = e['method'], e.get('params', {})
                if m == 'Page.loadEventFired': loaded = True
                elif m == 'Network.requestWillBeSent': pending.add(p['requestId'])
                elif m in ('Network.loadingFinished', 'Network.loadingFailed'): pending.discard(p['requestId'])
            done = len(self.events)
            if loaded and not pending: break
            assert time.time() < deadline, f"{url} did not finish loading: pending {pending}"
            self.recv()
        ev = lambda name: [e['params'] for e in self.events if e.get('method') == name]
        urls = {p['requestId']: p['request']['url'] for p in ev('Network.requestWillBeSent')}
        requests = list(urls.values())
        failed = [f"{p['errorText']} {urls[p['requestId']]}" for p in ev('Network.loadingFailed')] + \
                 [f"{p['response']['status']} {p['response']['url']}" for p in ev('Network.responseReceived')
                  if p['response']['status'] >= 400]
        return requests, failed

    def js(self, expression):
        r = self.send('Runtime.evaluate', expression=expression, returnByValue=True)
        if 'exceptionDetails' in r: raise RuntimeError(r['exceptionDetails'])
        return r['result']['value']

    def screenshot(self, path):
        "The whole page, not just the window, as a PNG."
        import base64
        size = self.send('Page.getLayoutMetrics')['cssContentSize']
        clip = {'x': 0, 'y': 0, 'width': size['width'], 'height': size['height'], 'scale': 1}
        path.write_bytes(base64.b64decode(self.send('Page.captureScreenshot', format='png', clip=clip,
                                                     captureBeyondViewport=True)['data']))

    def close(self):
        self.ws.close(); self.proc.terminate(); self.proc.wait(30)
        shutil.rmtree(self.profile, ignore_errors=True)

# Everything a check needs from a loaded page, in one evaluation.
INSPECT = """(() => {
  const seen = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const prose = document.querySelector('main').cloneNode(true);
  prose.querySelectorAll('pre, code, math').forEach(e => e.remove());
  return {
    maths: [...document.querySelectorAll('main math')].map(m => ({display: getComputedStyle(m).display, seen: seen(m)})),
    tex_left: (prose.textContent.match(/\\$[^$]*\\$?/g) || []).slice(0, 3),
    images: [...document.querySelectorAll('main img')].map(i => ({src: i.getAttribute('src'),
             shown: i.complete && i.naturalWidth > 0 && seen(i), width: i.getBoundingClientRect().width})),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
    sidebar: [...document.querySelectorAll('#sidebar li a')].map(a => a.getAttribute('href')),
  };
})()"""

@pytest.fixture(scope='module')
def served():
    "The site built into _docs/ and served on 127.0.0.1 for the duration of the tests."
    out = ROOT / '_docs'
    build(out)
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args): pass
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield out, f'http://127.0.0.1:{server.server_address[1]}/'
    server.shutdown()

@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium): the site "
                    "was not checked in a browser; .ci/run installs it")
def test_every_page_in_chromium(served):
    out, base = served
    browser, seen = Chromium(CHROMIUM), {}
    try:
        for nb, page in zip(NBS, PAGES):
            requests, failed = browser.open(base + page)
            assert not failed, f"{page}: failed requests {failed}"
            assert requests and all(r.startswith(base) for r in requests), \
                f"{page}: requests to another host {[r for r in requests if not r.startswith(base)]}"
            info = seen[page] = browser.js(INSPECT)
            if has_math(nb):
                assert info['maths'], f"{page}: the notebook has math, the page has no MathML"
            for m in info['maths']:
                assert 'math' in m['display'] and m['seen'], f"{page}: MathML not rendered as math: {m}"
            assert not info['tex_left'], f"{page}: TeX left unrendered in the text: {info['tex_left']}"
            imgs = info['images']
            assert len(imgs) == figures(nb), f"{page}: {len(imgs)} images shown for {figures(nb)} figures saved"
            assert all(i['shown'] and i['src'].startswith('figures/') for i in imgs), f"{page}: figure not shown: {imgs}"
            assert info['sidebar'] == PAGES, f"{page}: the sidebar lists {info['sidebar']}"
            if page in ('index.html', 'gallery.html'):
                browser.screenshot(out / f"screenshot-{page.removesuffix('.html')}.png")
    finally: browser.close()
    for page, info in seen.items():
        for link in info['links']:
            if not link.startswith(base): continue
            target, _, anchor = link[len(base):].partition('#')
            assert target in seen, f"{page}: link to a missing page {link}"
            assert not anchor or urllib.parse.unquote(anchor) in seen[target]['ids'], f"{page}: link to a missing anchor {link}"
