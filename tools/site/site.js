// Every page: the search box, a copy button on each code block, and the sidebar's toggle at phone width.
(() => {
  const search = document.getElementById('search');
  if (location.protocol === 'file:') {
    // Pagefind loads its index with fetch, which browsers refuse to pages opened from disk.
    search.innerHTML = '<p class="search-offline">Search needs the site served: run <code>make serve</code>.</p>';
  } else if (window.PagefindUI) {
    // termSimilarity: a word typed whole ranks a page that has it above pages with longer words that begin with it
    // ("STE" finds the straight-through page before pages that say "step" or "steered"; tests/test_site.py).
    new PagefindUI({element: '#search', showImages: false, showSubResults: true, resetStyles: false, ranking: {termSimilarity: 10},
                    translations: {placeholder: 'Search the docs'}});
  }

  const copy = async text => {
    try { await navigator.clipboard.writeText(text); return true; } catch (e) {
      const area = Object.assign(document.createElement('textarea'), {value: text});  // without the clipboard API
      document.body.append(area); area.select();
      const ok = document.execCommand('copy'); area.remove(); return ok;
    }
  };
  for (const pre of document.querySelectorAll('div.sourceCode > pre, pre.sourceCode')) {
    const box = pre.closest('div.sourceCode') || pre;
    if (box.querySelector(':scope > button.copy')) continue;
    const button = Object.assign(document.createElement('button'), {type: 'button', className: 'copy', textContent: 'Copy'});
    button.setAttribute('aria-label', 'Copy the code');
    button.addEventListener('click', async () => {
      button.textContent = await copy(pre.innerText.replace(/\n$/, '')) ? 'Copied' : 'Select and copy';
      setTimeout(() => { button.textContent = 'Copy'; }, 1500);
    });
    box.classList.add('has-copy'); box.prepend(button);
  }

  const toggle = document.getElementById('menu-toggle');
  toggle.addEventListener('click', () => {
    const open = document.body.classList.toggle('menu-open');
    toggle.setAttribute('aria-expanded', String(open));
  });
})();
