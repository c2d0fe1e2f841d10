"""The notebooks of nbs/ as the site's pages: their order, the page each becomes, the page of each activation, read
from the notebooks themselves (`#| default_exp`) and from the public package, and the sidebar's groups."""
import functools, re
from pathlib import Path
from execnb.nbio import read_nb
from nbdev.process import extract_directives
import spyx_axn

ROOT = Path(__file__).resolve().parent.parent

def notebooks(nbs=ROOT / 'nbs'):
    "The notebooks in sidebar order: index first, then by file name."
    return sorted(nbs.glob('*.ipynb'), key=lambda p: (p.stem != 'index', p.name))

def page_name(nb_path):
    "The page a notebook becomes: its name without the number prefix, as nbdev's `output-file`."
    return re.sub(r'^\d+[_-]', '', nb_path.stem) + '.html'

def exported_module(nb):
    "The module of the package that notebook `nb` exports to, as nbdev reads its `#| default_exp`; None if none."
    found = (extract_directives(c, remove=False).get('default_exp') for c in nb.cells if c.cell_type == 'code')
    return next((f'{spyx_axn.__name__}.{d[0]}' for d in found if d), None)

@functools.cache
def activation_pages():
    "Activation name to the page that defines it: the page of the notebook that exports the module of its factory."
    pages = {m: page_name(p) for p in notebooks() if (m := exported_module(read_nb(p)))}
    out = {}
    for name in spyx_axn.available():
        module = getattr(spyx_axn, name).__module__
        if module not in pages: raise LookupError(f"{name}: no notebook in nbs/ exports {module} (`#| default_exp`)")
        out[name] = pages[module]
    return out

# The sidebar's groups, in order. An activation's page is in "Surrogates", found from the package as the registry finds
# it; every other page is placed here by name, and a page placed nowhere stops the build.
GROUPS = ('Start', 'Surrogates', 'Spike types', 'Training', 'Guides and evidence', 'Internals')
PLACED = {'index.html': 'Start', 'choosing.html': 'Start', 'explorer.html': 'Start', 'from_spyx.html': 'Start',
          'gallery.html': 'Surrogates',
          **dict.fromkeys(['multilevel.html', 'escape_noise.html', 'signed.html'], 'Spike types'),
          **dict.fromkeys(['training.html', 'adaptive.html', 'meta_learning.html'], 'Training'),
          **dict.fromkeys(['translation.html', 'conformance.html', 'spoken_digits.html', 'diagnostics.html',
                           'escape_noise_why.html', 'performance.html', 'scaling_out.html', 'interop.html'], 'Guides and evidence'),
          **dict.fromkeys(['core.html', 'testing.html', 'plotting.html', 'measure.html', 'residuals.html', 'registry.html'], 'Internals')}

def group_of(page):
    "The sidebar group of `page` (a page name, `superspike.html`)."
    if page in activation_pages().values(): return 'Surrogates'
    if page not in PLACED: raise LookupError(f"{page}: in no group of the sidebar; place it in PLACED (tools/pages.py)")
    return PLACED[page]

def grouped(pages):
    "`pages`, pairs (name, title) in order, as the sidebar shows them: (group, its pairs in that order), for each group."
    return [(g, [(p, t) for p, t in pages if group_of(p) == g]) for g in GROUPS]
