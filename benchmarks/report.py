"""The benchmarks' report: `<out>.md`, the plot `<out>.png` and, with section 8, `<out>-memory.png`, rendered from the
measurements that `run.py` saved in `<out>.json`, so that the report can be reworded without timing anything again.

    python benchmarks/report.py benchmarks/results                  # renders benchmarks/results.md and results.png
    python benchmarks/report.py benchmarks/results benchmarks/quick/results.json   # several, with or without .json
"""
import argparse, json, statistics
from configparser import ConfigParser
from pathlib import Path
import numpy as np

LIBS = {'spyx_axn': 'spyx_axn', 'spyx': 'spyx 1.0.0'}
"The name in the report of each library, by its key in the measurements."
SLOPES = {'vmap': 'spyx_axn: one vmap over k', 'jit': 'spyx_axn: k as a jit argument, {n_k} calls',
          'spyx': 'spyx 1.0.0: an activation and a compilation per k'}
"The rows of section 4, by the keys of `network.slopes`."


def fmt(v, spec='.2f', none='—'):
    return none if v is None or v != v else format(v, spec)


def ratios(a: list, b: list) -> list:
    """The paired ratios of two functions timed in turn by `timing.timed`: a / b within each repetition.
    Every ratio in the report is their median, so that a change of load between repetitions cancels out."""
    return [x / y for x, y in zip(a, b)]


def paired(a: list, b: list | None):
    "The median of the paired ratios of `a` to `b`, None where `b` was not timed."
    return None if b is None else statistics.median(ratios(a, b))


def declared_version() -> str:
    "The version of spyx_axn that settings.ini declares: the one the site documents."
    cfg = ConfigParser(delimiters=['='])
    cfg.read(Path(__file__).resolve().parent.parent / 'settings.ini', encoding='utf-8')
    return cfg['DEFAULT']['version']


def measured_version(v: str) -> str:
    "The version of spyx_axn that was measured, and, where the package has moved on since, the version it now is."
    now = declared_version()
    return f"spyx_axn {v}" if v == now else f"spyx_axn {v} (measured before {now}, the version this site documents)"


def machine_line(m: dict) -> str:
    "The processor, its cores, the JAX device and the library versions of `timing.machine`, as one line."
    load = '' if m['load'] is None else f", load average {m['load']:.1f} at the start"
    return (f"{m['cpu']}, {m['cores']} cores{load}; JAX {m['jax']} on {m['platform']} ({m['device_kind']}); "
            f"{measured_version(m['spyx_axn'])}; spyx {m['spyx'] or 'not installed'}")


def machine_title(m: dict) -> str:
    "The device the figures were measured on, for a heading: `NVIDIA H200 (GPU)`, `AMD EPYC, 2 cores (CPU)`."
    if m['platform'] == 'cpu': return f"{m['cpu']}, {m['cores']} cores (CPU)"
    return f"{m['device_kind']} ({m['platform'].upper()})"


def elementwise_rows(data: dict) -> list:
    """Sections 1–2 by dtype and activation: median time, bandwidth and its fraction of the peak, and the ratios to the
    elementwise floor, to the activation's own floor and to spyx 1.0.0's (None where there is none)."""
    rows, n, peak = [], data['settings']['n'], data['settings']['peak_gbps']
    for d in data['elementwise']:
        times, gb = d['times'], 4 * n * d['itemsize'] / 1e9
        for name, ts in times['spyx_axn'].items():
            t = statistics.median(ts)
            rows.append(dict(dtype=d['dtype'], name=name, t=t, gbps=gb / t, peak=peak and gb / t / peak,
                             floor=paired(ts, times['spyx_axn']['floor']) if name != 'floor' else None,
                             own=paired(ts, times['own'].get(name)), spyx=paired(ts, times.get('spyx', {}).get(name))))
    return rows


def network_rows(net: dict) -> dict:
    "Section 3's figures of each library: median step and compile times, temporary memory in MiB, the program's size."
    return {lib: dict(r, step=statistics.median(r['steps']), compile=statistics.median(r['compiles']),
                      temp=r['temp_bytes'] / 2**20) for lib, r in net.items()}


def step_ratios(net: dict) -> list:
    "spyx_axn's step time over spyx 1.0.0's in each repetition; the table gives their median."
    return ratios(net['spyx_axn']['steps'], net['spyx']['steps'])


def header(s: dict, m: dict) -> list:
    return [f"## Benchmark results on {machine_title(m)}{' (quick mode)' if s['quick'] else ''}", "",
            f"Machine: {machine_line(m)}.", "",
            f"Command: `python benchmarks/run.py{' --quick' if s['quick'] else ''}`. Medians of {s['long_reps']} "
            f"repetitions in sections 1, 2 and 2b and of {s['reps']} in section 5 (sections 3 and 6 give theirs); a "
            "ratio between two functions timed in turn is the median of their ratios within each repetition. In "
            "sections 1, 2 and 2b every function writes its outputs into the buffers of its previous call (donated to "
            "it), so that the times are of the computation and not of the operating system supplying fresh pages for "
            "every output.", ""]


def elementwise_section(s: dict, el: list) -> list:
    L = [f"### 1–2. Forward + backward on 2^{int(np.log2(s['n']))} elements", "",
         "Time of one forward and backward pass (spikes and gradient from input and cotangent: two arrays "
         "read, two written), its ratio to the elementwise floor that moves the same bytes, the bandwidth "
         "reached" + (", its fraction of the peak" if any(r['peak'] for r in el) else "")
         + ", the ratio to its own floor (the same step and surrogate written out by hand in one jitted function, "
           "without spyx_axn's wrapper: what the wrapper costs), and the ratio to spyx 1.0.0's activation of the same "
           "name (below 1: spyx_axn is faster). `custom` is the straight-through estimator in spyx_axn, gradient `x` "
           "in spyx 1.0.0: same cost, different gradient.", "",
         "| dtype | activation | time (µs) | ratio to floor | GB/s | fraction of peak | ratio to its own floor "
         "| ratio to spyx 1.0.0 |",
         "|---|---|---|---|---|---|---|---|"]
    for r in el:
        L.append(f"| {r['dtype']} | `{r['name']}` | {r['t'] * 1e6:.0f} | {fmt(r['floor'])} | {r['gbps']:.1f} "
                 f"| {fmt(r['peak'], '.0%')} | {fmt(r['own'])} | {fmt(r['spyx'])} |")
    return L


def wrapped_section(s: dict, wr: list) -> list:
    L = ["", f"### 2b. Wrapped activations: forward + backward on 2^{int(np.log2(s['n']))} elements", "",
         "Each against its own fused floor: the same forward and gradient written out by hand in one jitted function "
         "(four comparisons and four bumps; one uniform draw, a sigmoid and its derivative).", "",
         "| dtype | activation | time (µs) | floor (µs) | ratio to its floor |", "|---|---|---|---|---|"]
    return L + [f"| {r['dtype']} | `{r['name']}` | {statistics.median(r['t']) * 1e6:.0f} "
                f"| {statistics.median(r['floor']) * 1e6:.0f} | {paired(r['t'], r['floor']):.2f} |" for r in wr]


def network_section(s: dict, net: dict) -> list:
    rows = network_rows(net)
    L = ["", f"### 3. LIF training step (T={s['T']}, batch {s['B']}, {'-'.join(map(str, s['sizes']))}, `lax.scan`, "
             "SuperSpike)", "",
         "Compile time is the median of three compilations, the libraries taking turns.", "",
         "The compiled program's size (lines of optimised HLO, fusions) and XLA's cost analysis (floating-point "
         "operations and bytes accessed per step) show whether the two programs do the same work.", "",
         "| library | step (ms) | compile (s) | temporary memory (MiB) | HLO lines | fusions | GFLOP | GB accessed |",
         "|---|---|---|---|---|---|---|---|"]
    for lib, r in rows.items():
        L.append(f"| {LIBS[lib]} | {r['step'] * 1e3:.1f} | {r['compile']:.2f} | {r['temp']:.1f} | {r['lines']} "
                 f"| {r['fusions']} | {r['flops'] / 1e9:.3f} | {r['bytes'] / 1e9:.3f} |")
    if len(rows) == 2:
        a, b = rows['spyx_axn'], rows['spyx']
        rs = step_ratios(net)
        L += ["", f"Ratios spyx_axn / spyx 1.0.0: step time {statistics.median(rs):.2f} (the median of {len(rs)} "
                  f"repetitions' ratios; {min(rs):.2f} to {max(rs):.2f}), compile time "
                  f"{a['compile'] / b['compile']:.2f}, temporary memory {a['temp'] / b['temp']:.2f}."]
    return L


def slopes_section(s: dict, sw: dict) -> list:
    L = ["", f"### 4. Gradients for {s['n_k']} slopes k (same network), total wall time including compilation", "",
         "| how | total (s) | ratio to spyx 1.0.0 |", "|---|---|---|"]
    ref = sw.get('spyx')
    return L + [f"| {SLOPES[how].format(n_k=s['n_k'])} | {t:.2f} | {fmt(ref and t / ref)} |" for how, t in sw.items()]


def imports_section(runs: list) -> list:
    """The medians of `import jax` and of it and `import spyx_axn` together, and the median of their ratio within each
    interpreter (the load of the machine changes the time of importing JAX from one interpreter to the next far more
    than spyx_axn adds to it)."""
    L = ["", "### 5. Import time", "", "| import | seconds |", "|---|---|"]
    L += [f"| `import {m}` | {statistics.median(r[i] for r in runs):.3f} |" for i, m in enumerate(('jax', 'spyx_axn'))]
    return L + ["", f"`import spyx_axn` / `import jax`: {statistics.median(s / j for j, s in runs):.2f} (the median of "
                    f"the ratios within each of {len(runs)} interpreters, each timing `import jax` and then "
                    "`import spyx_axn`)."]


def scaling_section(s: dict, scale: dict) -> list:
    size = (s['T'], s['sizes'][1])  # section 3's, whose row is section 3's measurement
    other = next(e['network'] for e in scale['steps'] if (e['T'], e['width']) != size)
    L = ["", "### 6. Scaling", "",
         f"The training step of section 3 (batch {s['B']}) at other lengths T and hidden widths (one changed at a "
         f"time, the other as in section 3), and the slope sweep of section 4 at other numbers of slopes: the ratio to "
         f"spyx 1.0.0 at every size (the step ratio as in section 3, over {len(other['spyx_axn']['steps'])} "
         f"repetitions away from section 3's size). The rows at the sizes of sections 3 and 4 are theirs.", "",
         "| step at | spyx_axn step (ms) | spyx 1.0.0 step (ms) | step ratio | compile ratio "
         "| temporary memory ratio |",
         "|---|---|---|---|---|---|"]
    for e in scale['steps']:
        rows = network_rows(e['network'])
        a, b = rows['spyx_axn'], rows.get('spyx')
        L.append(f"| T = {e['T']}, width {e['width']} | {a['step'] * 1e3:.1f} | {fmt(b and b['step'] * 1e3, '.1f')} "
                 f"| {fmt(b and statistics.median(step_ratios(e['network'])))} "
                 f"| {fmt(b and a['compile'] / b['compile'])} | {fmt(b and a['temp'] / b['temp'])} |")
    L += ["", "| slopes | one vmap (s) | k as a jit argument (s) | spyx 1.0.0, a compilation per k (s) | vmap / spyx "
              "| jit argument / spyx |",
          "|---|---|---|---|---|---|"]
    for e in scale['sweeps']:
        v, j, r = e['slopes']['vmap'], e['slopes']['jit'], e['slopes'].get('spyx')
        L.append(f"| {e['n_k']} | {v:.2f} | {j:.2f} | {fmt(r)} | {fmt(r and v / r)} | {fmt(r and j / r)} |")
    return L


def diagnostics_section(times: dict) -> list:
    "Section 7: the median seconds of each diagnostic and its median paired ratio to a training step."
    L = ["", "### 7. Diagnostics against a training step", "",
         "One training step of the Randman network of `spyx_axn.training` (20-100-10, 50 steps, batch 64, SuperSpike "
         "k = 25: gradient and Adam update) against each diagnostic on the same batch, all compiled. "
         "`train(..., diagnostics=True)` runs `diagnose` and the active fraction once per epoch (11 steps on Randman).",
         "", "| function | ms | ratio to a training step |", "|---|---|---|"]
    step = times['step']
    return L + [f"| {name} | {statistics.median(t) * 1e3:.2f} | {paired(t, step):.2f} |" for name, t in times.items()]


def residuals_section(res: dict) -> list:
    """Section 8: the temporary memory of the LIF gradient by activation and dtype, its ratios to the hand-written
    floor, to the rule of 0.1.0 and to spyx 1.0.0's boxcar; its growth with T and the longest T within the budget; and
    the gradient's time against its floor."""
    Ts, mib = res['Ts'], lambda b: b / 2**20
    spyx_box = {r['dtype']: r.get('spyx') for r in res['rows'] if r['name'] == 'boxcar'}
    L = ["", f"### 8. What backpropagation through time keeps (LIF layer, batch {res['batch']}, {res['inputs']} → "
             f"{res['width']}, `lax.scan`)", "",
         "The temporary memory of the compiled gradient of a LIF layer's spike count with respect to its input weights "
         "(`memory_analysis().temp_size_in_bytes`, from compilation alone; the count is summed in the scan's carry, so "
         "that what the scan keeps per step is the surrogate's). *Kept* is what `jax.vjp` of the activation keeps per "
         "element. *Floor*: the least of the hand-written `jax.custom_vjp` spikes (keeping g, x, and where they apply "
         "nothing, the window mask or the count of windows hit). *0.1.0*: the rule of spyx_axn 0.1.0, which kept g in "
         "float32 for every activation, re-created. *spyx boxcar*: spyx 1.0.0's boxcar in the same dtype.", "",
         f"| dtype | activation | kept | MiB at T = {Ts[-1]} | / floor | / 0.1.0 | / spyx boxcar | MiB at T = "
         + ", ".join(map(str, Ts)) + f" | longest T in {res['budget'] / 2**30:g} GiB |",
         "|---|---|---|---|---|---|---|---|---|"]
    for r in res['rows']:
        lib, least = r['library'], min(r['floors'].values())
        box = spyx_box.get(r['dtype'])
        longest = r['longest']['T']
        L.append(f"| {r['dtype']} | `{r['name']}` | {r['kept']} | {mib(lib[-1]):.1f} | {lib[-1] / least:.3f} "
                 f"| {lib[-1] / r['before'][-1]:.2f} | {fmt(box and lib[-1] / box)} | "
                 + ", ".join(f"{mib(b):.1f}" for b in lib)
                 + f" | {'≥ ' if longest >= 10**6 else ''}{longest:,} |")
    worst = max(res['rows'], key=lambda r: r['library'][-1] / min(r['floors'].values()))
    above = [r for r in res['rows'] if r['library'][-1] > r['before'][-1]]
    L += ["", f"Largest ratio to the floor: {worst['library'][-1] / min(worst['floors'].values()):.3f} "
              f"(`{worst['name']}`, {worst['dtype']}). Above the rule of 0.1.0: "
              + (", ".join(f"`{r['name']}` {r['dtype']}" for r in above) or "none") + ".",
          "", f"The gradient at T = {res['timing_T']} against its smallest floor (whose hyperparameters are constants "
              "of the program, where the library's are its arguments) and against the rule of 0.1.0 (arguments too: "
              "what this section's change costs), all three timed in turn; ratios are medians of the paired ratios, "
              "with their range:", "",
          "| dtype | activation | floor kept | ms | ratio to floor | range | ratio to 0.1.0 | range |",
          "|---|---|---|---|---|---|---|---|"]
    for r in res['rows']:
        t, f, b = r['times']['library'], r['times']['floor'], r['times'].get('before')
        rs, rb = ratios(t, f), b and ratios(t, b)
        L.append(f"| {r['dtype']} | `{r['name']}` | {r['least']} | {statistics.median(t) * 1e3:.1f} "
                 f"| {statistics.median(rs):.2f} | {min(rs):.2f} to {max(rs):.2f} "
                 f"| {fmt(rb and statistics.median(rb))} | {fmt(rb and min(rb))} to {fmt(rb and max(rb))} |")
    L += ["", "The half-precision policy: SuperSpike's gradient under `residuals(half='input')` (x kept, g computed again) "
              "and `residuals(half='surrogate')` (g kept in float32), memory at T = "
              f"{Ts[-1]} and time at T = {res['timing_T']}, timed in turn:", "",
          "| dtype | MiB, x kept | MiB, g kept | time, x kept / g kept | range |", "|---|---|---|---|---|"]
    for p in res.get('policies', []):
        rs = ratios(p['times']['input'], p['times']['surrogate'])
        L.append(f"| {p['dtype']} | {mib(p['bytes']['input']):.1f} | {mib(p['bytes']['surrogate']):.1f} "
                 f"| {statistics.median(rs):.2f} | {min(rs):.2f} to {max(rs):.2f} |")
    return L


def residuals_plot(res: dict, path):
    "Temporary memory against T: a few activations in float32 and float16, with the rule of 0.1.0 for them."
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), dpi=100, sharey=True)
    for ax, dt in zip(axes, ('float32', 'float16')):
        for i, name in enumerate(('superspike', 'boxcar', 'multilevel(boxcar)', 'straight_through')):
            r = next(r for r in res['rows'] if r['dtype'] == dt and r['name'] == name)
            ax.plot(res['Ts'], np.array(r['library']) / 2**20, 'o-', color=f'C{i}', label=f'{name} (keeps {r["kept"]})')
            ax.plot(res['Ts'], np.array(r['before']) / 2**20, 'x:', color=f'C{i}', label=f'{name}, rule of 0.1.0')
        ax.set(title=dt, xlabel='time steps T')
    axes[0].set_ylabel('temporary memory (MiB)')
    axes[1].legend(fontsize='x-small', frameon=False, loc='upper left')
    fig.tight_layout(); fig.savefig(path, metadata={'Software': None})


def render(data: dict) -> str:
    "The report's markdown: every section measured (`run.py --only` measures one)."
    s = data['settings']
    if 'residuals' in data and 'elementwise' not in data:  # section 8 alone, with section 3
        return '\n'.join([f"## Benchmark results on {machine_title(data['machine'])}: section 8, with section 3", "",
                          f"Machine: {machine_line(data['machine'])}.",
                          "", "Command: `python benchmarks/run.py --only residuals`. Times: medians of "
                          f"{s['reps']} repetitions in section 8 and of {s['long_reps']} in section 3; a ratio is the "
                          "median of the paired ratios within each repetition."]
                         + residuals_section(data['residuals']) + network_section(s, data['network'])) + '\n'
    if 'network' not in data:  # one section alone
        return '\n'.join([f"## Benchmark results on {machine_title(data['machine'])}: section 7 alone", "",
                          f"Machine: {machine_line(data['machine'])}.", "",
                          f"Command: `python benchmarks/run.py --only diagnostics`. Medians of {s['long_reps']} "
                          "repetitions; a ratio is the median of the paired ratios within each repetition."]
                         + diagnostics_section(data['diagnostics'])) + '\n'
    L = (header(s, data['machine']) + elementwise_section(s, elementwise_rows(data))
         + wrapped_section(s, data['wrapped']) + network_section(s, data['network'])
         + slopes_section(s, data['slopes']) + imports_section(data['imports']) + scaling_section(s, data['scaling'])
         + (diagnostics_section(data['diagnostics']) if 'diagnostics' in data else [])  # older runs have no section 7
         + (residuals_section(data['residuals']) if 'residuals' in data else []))  # nor section 8
    if data['machine']['spyx'] is None:
        L += ["", "spyx is not installed: the comparisons with spyx 1.0.0 are left out "
                  "(`pip install spyx_axn[bench]`)."]
    return '\n'.join(L) + '\n'


def plot(el: list, path):
    "Ratio to the floor of every activation, float32 and bfloat16, and spyx 1.0.0's where it has the activation."
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    names = [r['name'] for r in el if r['dtype'] == 'float32' and r['name'] != 'floor']
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(names) + 1.6), dpi=100)
    pos = np.arange(len(names))
    for j, dt in enumerate(('float32', 'bfloat16')):
        rows = {r['name']: r for r in el if r['dtype'] == dt}
        ax.barh(pos + 0.2 * (2 * j - 1), [rows[n]['floor'] for n in names], height=0.38, label=f'spyx_axn, {dt}')
        spyx = [(i, rows[n]['floor'] / rows[n]['spyx']) for i, n in enumerate(names) if rows[n].get('spyx')]
        if spyx: ax.plot([s for _, s in spyx], [i + 0.2 * (2 * j - 1) for i, _ in spyx], 'kD' if j else 'kx',
                         ms=5, mfc='none', label=f'spyx 1.0.0, {dt}')
    ax.axvline(1, color='grey', lw=0.8)
    ax.set(yticks=pos, yticklabels=names, xlabel='forward + backward time / elementwise floor (1 = memory bound)')
    ax.invert_yaxis(); ax.legend(fontsize='small', frameon=False, loc='lower center', bbox_to_anchor=(0.5, 1), ncol=4)
    fig.tight_layout(); fig.savefig(path, metadata={'Software': None})


def write(out: Path) -> str:
    "Renders `<out>.md` and `<out>.png` from `<out>.json` and returns the markdown."
    data = json.loads(out.with_suffix('.json').read_text())
    text = render(data)
    out.with_suffix('.md').write_text(text)
    if 'elementwise' in data: plot(elementwise_rows(data), out.with_suffix('.png'))
    if 'residuals' in data: residuals_plot(data['residuals'], out.with_name(out.name + '-memory.png'))
    return text


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('out', nargs='+', type=Path, help='the path that run.py was given as --out, with or without .json')
    for out in p.parse_args(argv).out:
        out = out.with_suffix('') if out.suffix == '.json' else out
        write(out)
        print(f"wrote {out.with_suffix('.md')} and its plots")


if __name__ == '__main__':
    main()
