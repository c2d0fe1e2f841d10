// The explorer: draws curves computed by spyx_axn when the site was built (explorer-data.js); it computes none.
(() => {
  const DATA = window.EXPLORER_DATA, $ = id => document.getElementById(id);
  const floats = s => new Float32Array(Uint8Array.from(atob(s), c => c.charCodeAt(0)).buffer);
  const select = $('explorer-act'), sliders = $('explorer-sliders');
  for (const name of Object.keys(DATA)) select.append(new Option(name, name));

  const css = name => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  const nice = span => { const p = 10 ** Math.floor(Math.log10(span / 4)), f = span / 4 / p;
                         return p * (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10); };

  // Curves on a canvas: axes, ticks and grid, then each [ys, colour, width].
  function draw(canvas, xs, lim, xlim, curves, ylabel) {
    const dpr = window.devicePixelRatio || 1, w = canvas.clientWidth || canvas.width, h = canvas.height / (canvas.dataset.dpr || 1);
    canvas.dataset.dpr = dpr; canvas.width = w * dpr; canvas.height = h * dpr;
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
    for (const [ys, colour, width] of curves) {
      ctx.strokeStyle = colour; ctx.lineWidth = width; ctx.beginPath();
      ys.forEach((y, i) => i ? ctx.lineTo(X(xs[i]), Y(y)) : ctx.moveTo(X(xs[i]), Y(y)));
      ctx.stroke();
    }
    ctx.restore();
  }

  let act, xs;
  const key = idx => idx.join(',');
  const chosen = () => [...sliders.querySelectorAll('input')].map(s => +s.value);

  function show() {
    const d = DATA[act], idx = chosen(), c = d.curves[key(idx)], def = d.curves[key(d.params.map(p => p.default))];
    d.params.forEach((p, i) => { $(`explorer-value-${i}`).value = p.labels[idx[i]] + (idx[i] === p.default ? ' (default)' : ''); });
    $('explorer-error').hidden = !c.error; $('explorer-error').textContent = c.error || '';
    $('explorer-peak').value = c.error ? '–' : c.peak; $('explorer-area').value = c.error ? '–' : c.area;
    const curves = k => [...(def && def[k] && c !== def ? [[floats(def[k]), css('--muted'), 1]] : []),
                         ...(c[k] ? [[floats(c[k]), css('--accent'), 2]] : [])];
    // the y axis fits the curves drawn, or holds the range of every setting on the grid
    const range = (cs, all) => {
      if ($('explorer-hold').checked || !cs.length) return all;
      let lo = 0, hi = -Infinity;
      for (const [ys] of cs) for (const y of ys) if (Number.isFinite(y)) { lo = Math.min(lo, y); hi = Math.max(hi, y); }
      return hi > lo ? [lo, hi] : all;
    };
    const g = $('explorer-g'), gs = curves('g'); g.dataset.curve = key(idx);
    draw(g, xs, range(gs, d.ylim), d.xlim, gs, 'g(x)');
    $('explorer-F-figure').hidden = !d.Flim;
    if (d.Flim) { const Fs = curves('F'); draw($('explorer-F'), xs, range(Fs, d.Flim), d.xlim, Fs, 'F(x)'); }
    if (location.hash.slice(1) !== act) history.replaceState(null, '', '#' + act);
  }

  function choose(name) {
    act = DATA[name] ? name : Object.keys(DATA)[0]; select.value = act;
    const d = DATA[act]; xs = floats(d.x);
    $('explorer-page').href = d.page; $('explorer-page').textContent = `${act}'s page`;
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
  $('explorer-hold').addEventListener('change', show);
  window.addEventListener('hashchange', () => { if (location.hash.slice(1) !== act) choose(location.hash.slice(1)); });
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', show);
  window.addEventListener('resize', show);
  choose(decodeURIComponent(location.hash.slice(1)));
})();
