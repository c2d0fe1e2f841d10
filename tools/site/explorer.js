// The explorer: draws curves computed by spyx_axn when the site was built (explorer-data.js); it computes none.
(() => {
  const DATA = window.EXPLORER_DATA, $ = id => document.getElementById(id);
  const floats = s => new Float32Array(Uint8Array.from(atob(s), c => c.charCodeAt(0)).buffer);
  const select = $('explorer-act'), overlay = $('explorer-overlay'), sliders = $('explorer-sliders');
  for (const name of Object.keys(DATA)) { select.append(new Option(name, name)); overlay.append(new Option(name, name)); }

  const css = name => getComputedStyle($('explorer')).getPropertyValue(name).trim();
  const nice = span => { const p = 10 ** Math.floor(Math.log10(span / 4)), f = span / 4 / p;
                         return p * (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10); };
  // A setting's points: n evenly spaced from xlim[0] to xlim[1], as the build sampled them (`setting_points`).
  const linspace = (xlim, n) => Float64Array.from({length: n}, (_, i) => xlim[0] + (xlim[1] - xlim[0]) * i / (n - 1));

  // Curves on a canvas: axes, ticks and grid, then each [xs, ys, colour, width].
  function draw(canvas, lim, xlim, curves, ylabel) {
    const dpr = window.devicePixelRatio || 1, w = canvas.clientWidth || canvas.width, h = canvas.height / (canvas.dataset.dpr || 1);
    canvas.dataset.dpr = dpr; canvas.width = w * dpr; canvas.height = h * dpr; canvas.dataset.xlim = xlim.join(',');
    const ctx = canvas.getContext('2d'); ctx.setTransform(dpr, 0, 0, dpr, 0, 0); ctx.clearRect(0, 0, w, h);
    const m = {l: 52, r: 12, t: 10, b: 34}, pad = 0.05 * (lim[1] - lim[0] || 1), y0 = lim[0] - pad, y1 = lim[1] + pad;
    const X = x => m.l + (x - xlim[0]) / (xlim[1] - xlim[0]) * (w - m.l - m.r);
    const Y = y => h - m.b - (y - y0) / (y1 - y0) * (h - m.t - m.b);
    ctx.font = '12px system-ui, sans-serif'; ctx.lineWidth = 1;
    ctx.strokeStyle = css('--line'); ctx.fillStyle = css('--muted');
    const sx = nice(xlim[1] - xlim[0]), sy = nice(y1 - y0);
    ctx.textAlign = 'center'; ctx.textBaseline = 'top';
    for (let x = Math.ceil(xlim[0] / sx) * sx; x <= xlim[1] + 1e-9; x += sx) {
      ctx.beginPath(); ctx.moveTo(X(x), m.t); ctx.lineTo(X(x), h - m.b); ctx.stroke();
      ctx.fillText(+x.toFixed(6), X(x), h - m.b + 4);
    }
    ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
    for (let y = Math.ceil(y0 / sy) * sy; y <= y1 + 1e-12; y += sy) {
      ctx.beginPath(); ctx.moveTo(m.l, Y(y)); ctx.lineTo(w - m.r, Y(y)); ctx.stroke();
      ctx.fillText(+y.toPrecision(4), m.l - 6, Y(y));
    }
    ctx.strokeStyle = css('--muted'); ctx.beginPath(); ctx.moveTo(m.l, Y(0)); ctx.lineTo(w - m.r, Y(0)); ctx.stroke();
    ctx.fillStyle = css('--text'); ctx.textAlign = 'center'; ctx.textBaseline = 'bottom';
    ctx.fillText('x', (m.l + w - m.r) / 2, h - 1);
    ctx.save(); ctx.translate(12, (m.t + h - m.b) / 2); ctx.rotate(-Math.PI / 2); ctx.fillText(ylabel, 0, 4); ctx.restore();
    ctx.save(); ctx.beginPath(); ctx.rect(m.l, m.t, w - m.l - m.r, h - m.t - m.b); ctx.clip();
    for (const [xs, ys, colour, width] of curves) {
      ctx.strokeStyle = colour; ctx.lineWidth = width; ctx.beginPath();
      ys.forEach((y, i) => i ? ctx.lineTo(X(xs[i]), Y(y)) : ctx.moveTo(X(xs[i]), Y(y)));
      ctx.stroke();
    }
    ctx.restore();
  }

  let act;
  const key = idx => idx.join(',');
  const chosen = () => [...sliders.querySelectorAll('input')].map(s => +s.value);
  const fmt = v => +v.toPrecision(4);

  function show() {
    const d = DATA[act], idx = chosen(), c = d.curves[key(idx)], def = d.curves[key(d.params.map(p => p.default))];
    d.params.forEach((p, i) => { $(`explorer-value-${i}`).value = p.labels[idx[i]] + (idx[i] === p.default ? ' (default)' : ''); });
    $('explorer-error').hidden = !c.error; $('explorer-error').textContent = c.error || '';
    $('explorer-peak').value = c.error ? '–' : c.peak; $('explorer-area').value = c.error ? '–' : c.area;
    // the line of code for these settings, each value written as Python reads back the very value computed with
    $('explorer-code').textContent = `axn.${act}(${d.params.map((p, i) => `${p.name}=${p.code[idx[i]]}`).join(', ')})`;
    // the range of x follows the width: the page's range scaled by the setting's half-maximum width over the defaults'
    // (tools/explorer.py, `scaled_xlim`); the build computed each setting's curve over its own range
    const xlim = c.xlim || d.xlim, xs0 = floats(d.x), n = d.n;
    $('explorer-xlim').value = `${fmt(xlim[0])} to ${fmt(xlim[1])}`;
    const curves = k => [...(def && def[k] && c !== def ? [[xs0, floats(def[k]), css('--muted'), 1]] : []),
                         ...(c[k] ? [[c === def ? xs0 : linspace(c.xlim, n), floats(c[k]), css('--accent'), 2]] : [])];
    // the y axis fits the curves drawn, within the range of x shown, or holds the range of every setting on the grid
    const range = (cs, all) => {
      if ($('explorer-hold').checked || !cs.length) return all;
      let lo = 0, hi = -Infinity;
      for (const [xs, ys] of cs) ys.forEach((y, i) => {
        if (Number.isFinite(y) && xs[i] >= xlim[0] && xs[i] <= xlim[1]) { lo = Math.min(lo, y); hi = Math.max(hi, y); } });
      return hi > lo ? [lo, hi] : all;
    };
    const o = DATA[overlay.value], gs = curves('g');
    if (o) gs.push([floats(o.overlay_x), floats(o.overlay), css('--overlay'), 2]);
    const g = $('explorer-g'); g.dataset.curve = key(idx); g.dataset.overlay = o ? overlay.value : '';
    draw(g, range(gs, d.ylim), xlim, gs, 'g(x)');
    const entry = (colour, text) => `<span class="explorer-key"><span class="explorer-swatch" style="background:${colour}"></span>${text}</span>`;
    $('explorer-legend').innerHTML = entry(css('--accent'), `<code>${act}</code>` + (c === def ? ' at its defaults' : ''))
      + (def && c !== def ? entry(css('--muted'), `<code>${act}</code> at its defaults`) : '')
      + (o ? entry(css('--overlay'), `<code>${overlay.value}</code> at its defaults`) : '');
    $('explorer-F-figure').hidden = !d.Flim;
    if (d.Flim) { const Fs = curves('F'); draw($('explorer-F'), range(Fs, d.Flim), xlim, Fs, 'F(x)'); }
    if (location.hash.slice(1) !== act) history.replaceState(null, '', '#' + act);
  }

  function choose(name) {
    act = DATA[name] ? name : Object.keys(DATA)[0]; select.value = act;
    const d = DATA[act];
    $('explorer-page').href = d.page; $('explorer-page').textContent = `${act}'s page`;
    $('explorer-definition').innerHTML = d.definition;
    sliders.replaceChildren(...d.params.map((p, i) => {
      const row = document.createElement('p'); row.className = 'explorer-slider';
      row.innerHTML = `<label for="explorer-slider-${i}"><code>${p.name}</code></label>` +
        `<input type="range" id="explorer-slider-${i}" min="0" max="${p.values.length - 1}" step="1" value="${p.default}">` +
        `<output id="explorer-value-${i}" for="explorer-slider-${i}"></output>`;
      row.querySelector('input').addEventListener('input', show);
      return row;
    }));
    if (!d.params.length) sliders.innerHTML = '<p>This activation has no hyperparameter.</p>';
    show();
  }

  select.addEventListener('change', () => choose(select.value));
  overlay.addEventListener('change', show);
  $('explorer-hold').addEventListener('change', show);
  window.addEventListener('hashchange', () => { if (location.hash.slice(1) !== act) choose(location.hash.slice(1)); });
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', show);
  window.addEventListener('resize', show);
  choose(decodeURIComponent(location.hash.slice(1)));
})();
