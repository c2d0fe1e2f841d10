"Packaging: every field comes from settings.ini, the one place the project is described."
import re
from configparser import ConfigParser
from pathlib import Path
import setuptools

cfg = ConfigParser(delimiters=['='])
cfg.read(Path(__file__).parent / 'settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']

# The license as an SPDX expression: setuptools reads it as one, and deprecates the `License ::` classifiers.
licenses = {'apache2': 'Apache-2.0'}
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable',
            '6 - Mature', '7 - Inactive']
min_python = cfg['min_python']
lic = licenses[cfg['license']]
readme = Path(__file__).parent / 'README.md'

# The description an index shows is README.md, made to render there: links that lead within the repository (into
# nbs/, to a heading) go to the site's page where settings.ini names the site's host (doc_host, doc_baseurl), and
# become their text where it names none, as now; TeX between dollar signs, which an index shows raw, becomes code with
# its commonest commands written as the characters they stand for. Code blocks and code spans are left as they are.
TEX = [(r'\\mathrm\{([^{}]*)\}', r'\1'), (r'\\mathcal\{([^{}]*)\}', r'\1'), (r'\\(?:,|;|quad)', ' '),
       (r'\s*\\le\b\s*', ' ≤ '), (r'\s*\\ge\b\s*', ' ≥ '), (r'\\sqrt\{([^{}]*)\}', r'√\1'),
       (r'\\pi\b', 'π'), (r'\\alpha\b', 'α'), (r'\\beta\b', 'β'),
       (r'\\sigma\b', 'σ'), (r'\\infty\b', '∞'), (r'\\int\b', '∫'), (r'\\sqrt\b', '√'), (r'\\(max|min|tanh|exp|log)\b', r'\1'),
       (r'\^\{([^{}]*)\}', r'^(\1)'), (r'\\vert\s*', '|')]

def plain_tex(tex, in_table):
    for pattern, repl in TEX: tex = re.sub(pattern, repl, tex)
    return '`' + (tex.strip().replace('|', r'\|') if in_table else tex.strip()) + '`'

def page_of(target):
    "The site's page for a link into the repository (`nbs/10_superspike.ipynb#x`, `#x`), or None without a site."
    if not cfg['doc_host']: return None
    site = cfg['doc_host'].rstrip('/') + '/' + cfg['doc_baseurl'].strip('/') + '/'
    path, _, anchor = target.partition('#')
    page = re.sub(r'^\d+[_-]', '', Path(path).stem) + '.html' if path else 'index.html'
    return site + page + ('#' + anchor if anchor else '')

def link(m):
    "A Markdown link, its target resolved (`page_of`) or, where there is no site, its text alone."
    if re.match(r'[a-z][a-z0-9+.-]*:', m[2]): return m[0]  # an absolute address
    page = page_of(m[2])
    return f'[{m[1]}]({page})' if page else m[1]

def for_index(md):
    "README.md as an index renders it: links within the repository resolved or unlinked, math as code (see above)."
    out, fenced = [], False
    for line in md.splitlines():
        if line.startswith('```'): fenced = not fenced
        if fenced or line.startswith('```'): out.append(line); continue
        parts = re.split(r'(`[^`]*`)', line)  # code spans, at odd positions, stay as written
        for i in range(0, len(parts), 2):
            parts[i] = re.sub(r'\$([^$]+)\$', lambda m: plain_tex(m[1], line.startswith('|')), parts[i])
        out.append(''.join(parts))
    # links, whose text may run over a line break, in each stretch of text between code blocks, outside code spans
    blocks = re.split(r'(^```.*?^```$)', '\n'.join(out), flags=re.S | re.M)
    for b in range(0, len(blocks), 2):
        parts = re.split(r'(`[^`\n]*`)', blocks[b])
        blocks[b] = ''.join(re.sub(r'\[([^\]]*)\]\(([^)\s]+)\)', link, p) if i % 2 == 0 else p for i, p in enumerate(parts))
    return ''.join(blocks) + '\n'

setuptools.setup(
    name=cfg['lib_name'],
    version=cfg['version'],
    description=cfg['description'],
    long_description=for_index(readme.read_text(encoding='utf-8')) if readme.exists() else cfg['description'],
    long_description_content_type='text/markdown',
    author=cfg['author'], author_email=cfg['author_email'] or None,
    url=cfg['git_url'] or None, license=lic,  # empty: no code host is named
    keywords=cfg['keywords'].split(),
    classifiers=['Development Status :: ' + statuses[int(cfg['status']) - 1],
                 'Intended Audience :: ' + cfg['audience'].title(),
                 'Natural Language :: ' + cfg['language'].title()]
                + ['Programming Language :: Python :: ' + v for v in cfg['tested_python'].split()],  # the versions tested
    packages=setuptools.find_packages(include=[cfg['lib_path'], cfg['lib_path'] + '.*']),
    package_data={cfg['lib_path']: ['py.typed']},  # PEP 561: type checkers read the package's own annotations
    install_requires=cfg.get('requirements', '').split(),
    extras_require={k: cfg[f'{k}_requirements'].split() for k in ('bench',) if cfg.get(f'{k}_requirements')},
    python_requires='>=' + min_python,
    zip_safe=False,
    entry_points={'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},  # lets nbdev link names in backticks to their pages
)
