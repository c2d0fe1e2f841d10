"""Build the documentation site from the notebooks, offline and without Quarto: `python tools/docs.py [OUT]`.
`python tools/docs.py --proc [DIR]` writes the processed notebooks instead, for Quarto (`_quarto.yml`);
`python tools/docs.py --unlink NB...` removes nbdev's [source] links from notebooks' saved outputs.

Each notebook in nbs/ becomes one page of OUT (`_docs/` by default), named as nbdev and Quarto name it
(`10_superspike.ipynb` -> `superspike.html`). nbdev's own processors prepare the notebook as they do for
Quarto (hidden cells dropped, `show_doc` rendered, links added); the saved outputs are written as
Markdown with the figures copied beside; pandoc turns that into HTML with math as MathML. Every page
gets the same sidebar: the pages in six groups (tools/pages.py), each in file order, the explorer in the
first; the group that holds the page, and the first, are open. The explorer's curves are computed by `spyx_axn`
itself (tools/explorer.py) and written beside the pages as `explorer-data.js` (a script, so that the page works
opened from disk), with each activation's definition from its page, rendered as its page renders it; its page's
text and controls are tools/site/explorer-intro.md and explorer-body.html. Every page links tools/site's
stylesheet, script and icon (favicon.svg: a site served from a folder of its host cannot count on the host's
/favicon.ico), copied beside the pages. CHANGELOG.md becomes one more page, changelog.html, outside the sidebar:
every page's footer links it, beside the version and the licence that settings.ini declares. A notebook's text may
show a cell's saved outputs from any notebook with Quarto's `{{< embed NB.ipynb#label >}}` (the cell marked
`#| label: label`). Pagefind then indexes the pages for the search box."""
import ast, base64, functools, html, inspect, json, os, re, shutil, subprocess, sys, textwrap
from concurrent.futures import ThreadPoolExecutor
from configparser import ConfigParser
from pathlib import Path
import pypandoc
from execnb.nbio import dict2nb, read_nb, write_nb
from fastcore import docments
from nbdev.processors import FilterDefaults
from pages import GROUPS, ROOT, activation_pages, grouped, notebooks, page_name  # tools/pages.py: which notebook is which page
from explorer import explorer_data  # tools/explorer.py: the explorer's curves

ASSETS = Path(__file__).resolve().parent / 'site'

@functools.cache
def settings():
    "settings.ini's fields, read once per build."
    cfg = ConfigParser(delimiters=['=']); cfg.read(ROOT / 'settings.ini', encoding='utf-8')
    return cfg['DEFAULT']

def site_url():
    "Where nbdev's links to other pages start (settings.ini's doc_host and doc_baseurl); they become relative links here."
    cfg = settings()
    return cfg['doc_host'].rstrip('/') + '/' + cfg['doc_baseurl'].strip('/') + '/'

# The licence's name, as the LICENSE file titles it, for settings.ini's `license` (nbdev's short names).
LICENCES = {'apache2': 'Apache License 2.0'}

def footer():
    "What every page's footer states: the version of the package and its licence, both from settings.ini."
    cfg = settings()
    return {'version': cfg['version'], 'licence': LICENCES[cfg['license']]}

# The changelog's page: CHANGELOG.md, its title line given by the template instead.
CHANGELOG = ('changelog.html', 'Changelog', "What each release added, changed and fixed, and how much each change of numerics is.")

def changelog_markdown(path=ROOT / 'CHANGELOG.md'):
    """CHANGELOG.md without its first line, the `# Changelog` that the page's template writes as its title; each
    release's heading (`## [0.2.0] - 2026-12-03`) gets the anchor `#v0.2.0`."""
    md = path.read_text(encoding='utf-8').split('\n', 1)[1]
    return re.sub(r'^(## \[([^\]]+)\].*)$', r'\1 {#v\2}', md, flags=re.M)

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

# nbdev's show_doc writes a signature from the parameters' evaluated annotations and drops the `*` before keyword-only
# parameters: `custom`'s `*, name, primitive:Callable|None` became `name, primitive:Optional`, and a NamedTuple's
# fields `*args, **kwargs`. A function's or a NamedTuple's signature is written here from its source instead, each
# parameter as the source writes it (annotation and default), with `/` and `*` where Python has them, and the comment
# that documents it (docments); anything else, or a source that cannot be read, is left to nbdev.
def _comment(lines, node):
    "The comment at the end of the line where `node` ends, if nothing else follows `node` on that line."
    rest = lines[node.end_lineno - 1][node.end_col_offset:]
    m = re.match(r'\s*,?\s*#\s?(.*)$', rest)
    return m[1].strip() if m else ''

def written_signature(obj):
    "([(parameter, comment)], return annotation) as `obj`'s source writes them; None where it is not a function or NamedTuple."
    try: src = textwrap.dedent(inspect.getsource(obj))
    except (OSError, TypeError):  # a class that a notebook's shell defined: the exported package's, of the same name
        same = [c for m in list(sys.modules.values()) if m and m.__name__.startswith('spyx_axn')
                for c in [getattr(m, obj.__name__, None)] if inspect.isclass(c) and c.__module__ == m.__name__]
        try: src = textwrap.dedent(inspect.getsource(same[0])) if same else None
        except (OSError, TypeError): src = None
        if src is None: return None
    lines, tree = src.splitlines(), ast.parse(src)
    seg = lambda n: ast.get_source_segment(src, n)
    if inspect.isclass(obj) and hasattr(obj, '_fields'):  # a NamedTuple: its fields
        cls = next(n for n in tree.body if isinstance(n, ast.ClassDef))
        return [(f"{seg(n.target)}:{seg(n.annotation)}" + (f"={seg(n.value)}" if n.value else ''), _comment(lines, n))
                for n in cls.body if isinstance(n, ast.AnnAssign)], None
    if not inspect.isfunction(obj): return None
    f = next(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
    a = f.args
    param = lambda n, default=None, pre='': ((pre + n.arg + (f":{seg(n.annotation)}" if n.annotation else '')
                                             + (f"={seg(default)}" if default else '')), _comment(lines, default or n))
    positional = a.posonlyargs + a.args
    defaults = [None] * (len(positional) - len(a.defaults)) + a.defaults
    out = [param(n, d) for n, d in zip(positional, defaults)]
    if a.posonlyargs: out.insert(len(a.posonlyargs), ('/', ''))
    if a.vararg: out.append(param(a.vararg, pre='*'))
    elif a.kwonlyargs: out.append(('*', ''))
    out += [param(n, d) for n, d in zip(a.kwonlyargs, a.kw_defaults)]
    if a.kwarg: out.append(param(a.kwarg, pre='**'))
    return out, seg(f.returns) if f.returns else None

_nbdev_signature = docments.DocmentText.__str__

def _signature_text(self):
    "nbdev's text of a signature, with the parameters as `written_signature` reads them where it can."
    try: written = written_signature(self.obj)
    except (SyntaxError, StopIteration): written = None
    if written is None: return _nbdev_signature(self)
    params, returns = written
    sig = docments._fmt_sig(docments.get_name(self.obj), params, f"){'->' + returns if returns else ''}:", self.maxline)
    doc = self.obj.__doc__ if self.docstring else None
    return f'{sig}\n    "{doc}"' if doc else sig

docments.DocmentText.__str__ = docments.DocmentText.__repr__ = _signature_text

def options(cell):
    "Quarto cell options (`#| echo: false`) left in the source by nbdev, and the source without them."
    lines = cell.source.splitlines()
    opts = dict(re.match(r'#\|\s*([\w-]+):\s*(.*)', l).groups() for l in lines if re.match(r'#\|\s*[\w-]+:', l))
    return opts, '\n'.join(l for l in lines if not l.startswith('#|')).strip()

def raw_html(h):
    "HTML passed through pandoc untouched: a raw block fenced by more backticks than `h` has in a row."
    fence = '`' * max(3, 1 + max(map(len, re.findall(r'`+', h)), default=0))
    return f"{fence}{{=html}}\n{h}\n{fence}"

FIGURE_SCALE = 0.9  # the least a figure is shrunk to, of the size it was drawn at

def output_markdown(out, fig_path):
    "One saved output as Markdown; a figure is written to `fig_path`."
    data = out.get('data', {})
    if 'image/png' in data:
        png = base64.b64decode(data['image/png'])
        fig_path.write_bytes(png)
        # retina figures show at half size; others at their size in pixels (the PNG header's width, bytes 16 to 20)
        width = out.get('metadata', {}).get('image/png', {}).get('width') or int.from_bytes(png[16:20], 'big')
        # never below FIGURE_SCALE of that size, so that labels and legends stay readable: a narrower column (a phone's)
        # scrolls the figure sideways in its box
        return raw_html(f'<div class="figure"><img src="{fig_path.parent.name}/{fig_path.name}" alt="" width="{width}" '
                        f'style="min-width: {round(FIGURE_SCALE * width)}px"></div>')
    if 'text/markdown' in data: return ''.join(data['text/markdown'])
    if 'text/html' in data: return raw_html(''.join(data['text/html']))
    text = ''.join(data['text/plain']) if 'text/plain' in data else ''.join(out.get('text', ''))
    if not text.strip(): return ''
    # the HTML pandoc makes of a code block of class `output`, written here: given a class that names no language,
    # pandoc searches every syntax definition it has for one, which took most of its time on a page
    return raw_html(f'<pre class="output"><code>{html.escape(text.rstrip(), quote=False)}</code></pre>')

def folded(part):
    "A run of folded code cells as one HTML <details> block, left out of the search index, or any other part as it is."
    if not isinstance(part, list): return part
    names = [s for s, _ in part if s]
    summary = 'Code' + (f": {', '.join(names)}" if names else f" ({len(part)} cells)" if len(part) > 1 else '')
    body = [x for s, b in part for x in ([raw_html(f'<p class="fold-label">{html.escape(s)}</p>')] if s and len(part) > 1 else []) + [b]]
    opening = raw_html(f'<details class="code-fold" data-pagefind-ignore><summary>{html.escape(summary)}</summary>')
    return '\n\n'.join([opening, *body, raw_html('</details>')])

# Quarto's shortcode that shows, in one notebook's text, the outputs of a cell of a notebook (`#| label: slope-figure`)
EMBED = re.compile(r'\{\{<\s*embed\s+([\w.-]+\.ipynb)#([\w-]+)\s*>\}\}')

def labelled(nb_path, label):
    "The cell of notebook `nb_path` (in nbs/) whose `#| label:` option is `label`; an error naming both if there is none."
    cells = [c for c in read_nb(ROOT / 'nbs' / nb_path).cells if c.cell_type == 'code' and options(c)[0].get('label') == label]
    if len(cells) != 1: raise LookupError(f"{{{{< embed {nb_path}#{label} >}}}}: {len(cells)} cells of {nb_path} have `#| label: {label}`")
    return cells[0]

def anchored(label, parts):
    "Markdown `parts`, a labelled cell's outputs, as one block whose HTML anchor is the label (`training.html#slope-figure`)."
    return [raw_html(f'<div id="{html.escape(label)}" class="labelled">'), *parts, raw_html('</div>')]

def embedded(md, name, figs):
    "Markdown `md` with each `{{< embed NB.ipynb#label >}}` replaced by that cell's saved outputs (figures named after `name`)."
    def outputs(m):
        outs = labelled(m[1], m[2]).get('outputs', [])
        parts = [output_markdown(o, figs / f"{Path(name).stem}-{m[2]}-{i}.png") for i, o in enumerate(outs)]
        # on the cell's own page, the outputs are the anchor of its label, as where they stand (see `markdown`)
        return '\n\n'.join(anchored(m[2], parts) if page_name(Path(m[1])) == name else parts)
    return EMBED.sub(outputs, md)

def markdown(nb, name, figs):
    "The Markdown of a processed notebook; its figures go to `figs`, named after the page `name`."
    parts, n = [], 0
    for cell in nb.cells:
        if cell.cell_type == 'markdown': parts.append(embedded(cell.source, name, figs)); continue
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
        outs = []
        for out in cell.get('outputs', []):
            n += 'image/png' in out.get('data', {})
            outs.append(output_markdown(out, figs / f"{Path(name).stem}-{n}.png"))
        # a labelled cell's outputs are an anchor that other pages link to
        parts.extend(anchored(opts['label'], outs) if 'label' in opts else outs)
    return page_links(SOURCE_LINK.sub('', '\n\n'.join(p for p in map(folded, parts) if p.strip())))

def page_links(md):
    "Links between notebooks become links between pages, as Quarto makes them; links to the site become relative."
    md = md.replace('](' + site_url(), '](')
    return re.sub(r'\]\(([\w-]+)\.ipynb(#[^)]*)?\)', lambda m: f"]({page_name(Path(m[1]))}{m[2] or ''})", md)

def sidebar(groups, current):
    """The navigation: every page in its group (`grouped`), the current one marked; a group folds, and is open where it
    holds the current page, as the first group always is."""
    def items(members):
        return ''.join(f'<li><a href="{p}"{" class=active" if p == current else ""}>'
                       f'{"Home" if p == "index.html" else html.escape(t)}</a></li>' for p, t in members)
    return ''.join(f'<details class="group"{" open" if g == GROUPS[0] or current in dict(m) else ""}>'
                   f'<summary>{g}</summary><ul>{items(m)}</ul></details>' for g, m in groups)

# The explorer: every activation's surrogate on a grid of hyperparameter values, computed by spyx_axn (explorer.py);
# its page is its intro (site/explorer-intro.md) and its controls (site/explorer-body.html).
EXPLORER = ('explorer.html', 'Explorer')
EXPLORER_AFTER = 'gallery.html'
EXPLORER_DESCRIPTION = "Every surrogate, every hyperparameter: move a slider, see the curve."

def convert(md, title, description, groups, current, explore='', keywords=''):
    """One page of the site: Markdown to standalone HTML in the site's template. `keywords`, a notebook's `- keywords:`
    line, are the other names its subject goes by, shown under the description and weighted in the search index."""
    front = (f"---\ntitle: {json.dumps(title)}\ndescription: {json.dumps(description)}\n"  # JSON is YAML
             + (f"keywords: {json.dumps(keywords)}\n" if keywords else '') + "---\n\n")
    page = pypandoc.convert_text(front + md, 'html5', format='markdown',
                                 extra_args=['--standalone', '--mathml', '--toc', '--toc-depth=2',
                                             f'--template={ASSETS / "page.html"}', '--variable', 'css=style.css',
                                             '--variable', f'sidebar={sidebar(groups, current)}',
                                             *[a for k, v in footer().items() for a in ('--variable', f'{k}={v}')],
                                             *(['--variable', f'explore={explore}'] if explore else [])])
    return wrapped(page)

def wrapped(page):
    "Pandoc's HTML as the site shows it: wide tables and equations in boxes of their own, TeX out of the search index."
    # a wide table scrolls in a box of its own rather than past the edge of the column
    page = re.sub(r'<table\b(.*?)</table>', r'<div class="table-wrap"><table\1</table></div>', page, flags=re.S)
    # and so does a wide displayed equation
    page = re.sub(r'(<math display="block".*?</math>)', r'<span class="math-wrap">\1</span>', page, flags=re.S)
    # a formula's TeX source, which MathML carries beside it, stays out of the search index and its excerpts
    return page.replace('<annotation encoding="application/x-tex">', '<annotation encoding="application/x-tex" data-pagefind-ignore>')

def fragment(md):
    "Markdown from a notebook as HTML to place in a page: pandoc's, math as MathML, as `convert` makes a whole page."
    return wrapped(pypandoc.convert_text(page_links(md), 'html5', format='markdown', extra_args=['--mathml']))

def build(out=ROOT / '_docs', search=True):
    "Build every page into `out`, and its search index unless `search=False`; return the page names in sidebar order."
    out = Path(out)
    shutil.rmtree(out, ignore_errors=True)
    (out / 'figures').mkdir(parents=True)
    for asset in ('style.css', 'site.js', 'explorer.js', 'favicon.svg'): shutil.copy(ASSETS / asset, out / asset)
    docs = []
    for path in notebooks():
        nb = read_nb(path)
        FilterDefaults()(nb)  # nbdev's processors, as `processed` applies them for Quarto
        fm = getattr(nb, 'frontmatter_', {})
        docs.append((page_name(path), fm.get('title', path.stem), fm.get('description', ''), nb, fm.get('keywords', '')))
    pages = [(name, title) for name, title, _, _, _ in docs]
    at = next((i + 1 for i, (p, _) in enumerate(pages) if p == EXPLORER_AFTER), len(pages))
    pages.insert(at, EXPLORER)
    groups = grouped(pages)
    explored = {page: name for name, page in activation_pages().items()}
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:  # pandoc runs in processes of its own, beside the explorer's curves
        converted = {name: pool.submit(convert, markdown(nb, name, out / 'figures'), title, description, groups, name,
                                       f'explorer.html#{explored[name]}' if name in explored else '', keywords)
                     for name, title, description, nb, keywords in docs}
        explored_data = explorer_data()
        # each activation's definition, from its page, in the HTML its page shows it in
        definitions = {name: pool.submit(fragment, e['definition']) for name, e in explored_data.items()}
        for name, e in explored_data.items(): e['definition'] = definitions[name].result()
        data = json.dumps(explored_data, separators=(',', ':'), ensure_ascii=False)
        for name, page in converted.items(): (out / name).write_text(page.result())
    (out / 'explorer-data.js').write_text("// The explorer's curves, computed by spyx_axn when the site was built.\n"
                                          f"window.EXPLORER_DATA = {data};\n")
    intro, body = ((ASSETS / f).read_text().strip() for f in ('explorer-intro.md', 'explorer-body.html'))
    (out / EXPLORER[0]).write_text(convert(f"{intro}\n\n{raw_html(body)}\n", EXPLORER[1], EXPLORER_DESCRIPTION,
                                           groups, EXPLORER[0]))
    (out / CHANGELOG[0]).write_text(convert(changelog_markdown(), *CHANGELOG[1:], groups, CHANGELOG[0]))
    if search:  # Pagefind, from PyPI (requirements-dev.txt): the index and its search box, in out/pagefind/
        r = subprocess.run([sys.executable, '-m', 'pagefind', '--site', str(out), '--quiet'], capture_output=True, text=True)
        if r.returncode: raise RuntimeError(f"pagefind failed:\n{r.stdout}\n{r.stderr}")
    return [name for name, _ in pages] + [CHANGELOG[0]]

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
