"""Build the documentation site from the notebooks, offline and without Quarto: `python tools/docs.py [OUT]`.
`python tools/docs.py --proc [DIR]` writes the processed notebooks instead, for Quarto (`_quarto.yml`);
`python tools/docs.py --unlink NB...` removes nbdev's [source] links from notebooks' saved outputs.

Each notebook in nbs/ becomes one page of OUT (`_docs/` by default), named as nbdev and Quarto name it
(`10_superspike.ipynb` -> `superspike.html`). nbdev's own processors prepare the notebook as they do for
Quarto (hidden cells dropped, `show_doc` rendered, links added); the saved outputs are written as
Markdown with the figures copied beside; pandoc turns that into HTML with math as MathML. Every page
gets the same sidebar: the home page, then every notebook in file order."""
import base64, html, json, re, shutil, sys
from configparser import ConfigParser
from pathlib import Path
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

def output_markdown(out, fig_path):
    "One saved output as Markdown; a figure is written to `fig_path`."
    data = out.get('data', {})
    if 'image/png' in data:
        fig_path.write_bytes(base64.b64decode(data['image/png']))
        width = out.get('metadata', {}).get('image/png', {}).get('width')  # retina figures: show at half size
        return f"![]({fig_path.parent.name}/{fig_path.name})" + (f"{{width={width}}}" if width else '')
    if 'text/markdown' in data: return ''.join(data['text/markdown'])
    if 'text/html' in data: return "```{=html}\n" + ''.join(data['text/html']) + "\n```"
    text = ''.join(data['text/plain']) if 'text/plain' in data else ''.join(out.get('text', ''))
    return f"```{{.output}}\n{text.rstrip()}\n```" if text.strip() else ''

def markdown(nb, name, figs):
    "The Markdown of a processed notebook; its figures go to `figs`, named after the page `name`."
    parts, n = [], 0
    for cell in nb.cells:
        if cell.cell_type == 'markdown': parts.append(cell.source); continue
        if cell.cell_type != 'code': continue
        opts, code = options(cell)
        if opts.get('include') == 'false': continue
        if code and opts.get('echo') != 'false': parts.append(f"```python\n{code}\n```")
        if opts.get('output') == 'false': continue
        for out in cell.get('outputs', []):
            n += 'image/png' in out.get('data', {})
            parts.append(output_markdown(out, figs / f"{Path(name).stem}-{n}.png"))
    md = SOURCE_LINK.sub('', '\n\n'.join(p for p in parts if p.strip())).replace('](' + site_url(), '](')
    # links between notebooks become links between pages, as Quarto makes them
    return re.sub(r'\]\(([\w-]+)\.ipynb(#[^)]*)?\)', lambda m: f"]({page_name(Path(m[1]))}{m[2] or ''})", md)

def sidebar(pages, current):
    "The navigation list: every page, the current one marked."
    items = ''.join(f'<li><a href="{p}"{" class=active" if p == current else ""}>'
                    f'{"Home" if p == "index.html" else html.escape(t)}</a></li>' for p, t in pages)
    return f'<ul>{items}</ul>'

def build(out=ROOT / '_docs'):
    "Build every page into `out`; return the page names in sidebar order."
    out = Path(out)
    shutil.rmtree(out, ignore_errors=True)
    (out / 'figures').mkdir(parents=True)
    shutil.copy(ASSETS / 'style.css', out / 'style.css')
    docs = []
    for path in notebooks():
        nb = read_nb(path)
        FilterDefaults()(nb)  # nbdev's processors, as `processed` applies them for Quarto
        fm = getattr(nb, 'frontmatter_', {})
        docs.append((page_name(path), fm.get('title', path.stem), fm.get('description', ''), nb))
    pages = [(name, title) for name, title, _, _ in docs]
    for name, title, description, nb in docs:
        front = f"---\ntitle: {json.dumps(title)}\ndescription: {json.dumps(description)}\n---\n\n"  # JSON is YAML
        page = pypandoc.convert_text(front + markdown(nb, name, out / 'figures'), 'html5', format='markdown',
                                     extra_args=['--standalone', '--mathml', '--toc', '--toc-depth=2',
                                                 f'--template={ASSETS / "page.html"}', '--variable', 'css=style.css',
                                                 '--variable', f'sidebar={sidebar(pages, name)}'])
        (out / name).write_text(page)
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
