"""Benchmarks of spyx_axn against the memory-bandwidth floor and against spyx 1.0.0, in one process.

    python benchmarks/run.py            # full run: benchmarks/results.json, .md and .png (about 10 min on two cores)
    python benchmarks/run.py --quick    # about a minute and a half on two cores: writes benchmarks/quick/
    python benchmarks/run.py --out benchmarks/results-h200 --peak-gbps 4800
    python benchmarks/run.py --only diagnostics   # section 7 alone: benchmarks/results-diagnostics.json, .md
    python benchmarks/run.py --only residuals     # section 8 alone, and section 3 (the LIF step against spyx) with it

Every figure is the median of several repetitions after a warm-up call, each timed to
`jax.block_until_ready`. spyx 1.0.0 (`pip install spyx_axn[bench]`) is optional: without it the
comparisons with spyx are skipped and say so. Every repetition's measurement is saved in `<out>.json`, from which
`report.py` renders `<out>.md` and `<out>.png`; `python benchmarks/report.py <out>` renders them again.
"""
import argparse, json, time
from pathlib import Path
import jax
from timing import ROOT, machine  # first: it puts this repository's spyx_axn on the path
from elementwise import elementwise, wrapped
from network import imports, network, scaling, slopes
from diagnostics import diagnostics
from residuals import residuals
import report

PEAK_GBPS = {'NVIDIA H200': 4800, 'NVIDIA H100 80GB HBM3': 3350, 'NVIDIA H100': 3350,
             'NVIDIA A100-SXM4-80GB': 2039, 'NVIDIA A100-SXM4-40GB': 1555}
"Vendor peak memory bandwidth (GB/s), by `jax.Device.device_kind`; `--peak-gbps` overrides it."


RESIDUAL_SIZES = {False: dict(Ts=(100, 400, 1000), timing_T=100), True: dict(Ts=(25, 50, 100), timing_T=25)}
"Section 8's lengths: of the memory table (the last is its main column) and of the timed gradient."


def arguments(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--quick', action='store_true',
                   help='small sizes and few repetitions: about a minute and a half on two cores')
    p.add_argument('--out', help='output path without suffix (default benchmarks/results, or benchmarks/quick/results)')
    p.add_argument('--peak-gbps', type=float, help='peak memory bandwidth in GB/s (default: looked up by device name)')
    p.add_argument('--only', choices=['diagnostics', 'residuals'],
                   help='one section alone (7, diagnostics: about a minute; 8, residuals, with section 3: about ten)')
    return p.parse_args(argv)


def settings(args) -> dict:
    "The sizes and repetition counts that the command line chooses, and the peak bandwidth."
    n, reps, T, B, n_k = (2**20, 5, 25, 32, 8) if args.quick else (2**24, 10, 100, 128, 16)
    scale = ((10, 25, 50), (128, 512), (4, 8)) if args.quick else ((25, 100, 400), (128, 512, 2048), (4, 16, 64))
    # long_reps for sections 1, 2, 2b and 3: cheap enough to repeat more, and their ratios are the criteria
    return dict(quick=args.quick, n=n, reps=reps, long_reps=3 * reps,
                T=T, B=B, n_k=n_k, sizes=(700, 256, 20), scaling=dict(zip(('Ts', 'widths', 'n_ks'), scale)),
                peak_gbps=args.peak_gbps or PEAK_GBPS.get(jax.devices()[0].device_kind))


def measure(s: dict, only: str | None = None) -> dict:
    "Every section's measurements (or the one `only` names), with the settings and the machine they were taken with."
    start, where = time.perf_counter(), machine()
    def done(section): print(f"{section}: {time.perf_counter() - start:.0f} s", flush=True)
    if only == 'diagnostics': return dict(settings=s, machine=where, diagnostics=diagnostics(s['long_reps']))
    if only == 'residuals':  # with section 3, whose step is the time criterion of a change in what is kept
        res = residuals(s['reps'], **RESIDUAL_SIZES[s['quick']]); done('8 residuals')
        return dict(settings=s, machine=where, residuals=res,
                    network=network(s['T'], s['B'], s['sizes'], s['long_reps']))
    el = elementwise(s['n'], s['long_reps']); done('1-2 elementwise')
    wr = wrapped(s['n'], s['long_reps']); done('2b wrapped')
    net = network(s['T'], s['B'], s['sizes'], s['long_reps']); done('3 network')
    sw = slopes(s['T'], s['B'], s['sizes'], s['n_k']); done('4 slopes')
    imp = imports(s['reps'])
    scale = scaling(s['T'], s['B'], s['sizes'], s['n_k'], net, sw, **s['scaling'], reps=3 * s['reps'] // 2)
    done('6 scaling')
    diag = diagnostics(s['long_reps']); done('7 diagnostics')
    res = residuals(s['reps'], **RESIDUAL_SIZES[s['quick']]); done('8 residuals')
    return dict(settings=s, machine=where, elementwise=el, wrapped=wr, network=net, slopes=sw, imports=imp,
                scaling=scale, diagnostics=diag, residuals=res)


def main(argv=None):
    start, args = time.perf_counter(), arguments(argv)
    out = Path(args.out or ROOT / 'benchmarks' / (('quick/results' if args.quick else 'results')
                                                  + (f'-{args.only}' if args.only else '')))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix('.json').write_text(json.dumps(measure(settings(args), args.only), indent=1) + '\n')
    text = report.write(out)
    print(text)
    png = {None: f" and {out.with_suffix('.png')}, {out.name}-memory.png", 'residuals': f" and {out.name}-memory.png",
           'diagnostics': ''}[args.only]
    print(f"wrote {out.with_suffix('.json')}, {out.with_suffix('.md')}{png} "
          f"in {time.perf_counter() - start:.0f} s")


if __name__ == '__main__':
    main()
