"""Every activation's gradients and residuals, saved, and two saves compared bit for bit.

    python tools/numerics.py save OUT.npz            # the package that `import spyx_axn` finds
    PYTHONPATH=/path/to/other/checkout python tools/numerics.py save BASE.npz
    python tools/numerics.py compare BASE.npz OUT.npz

`save` takes every activation of the registry and `custom()` at their defaults, and `multilevel`, `signed`,
`escape_noise`, `twin` and `relaxed` of each of them that accepts it, in float32, float16 and bfloat16. For each it
records, on a dense grid of x (8001 points over [-4, 4] and the special values: signed zeros, the smallest subnormals,
the largest finite numbers, infinities, NaN), the gradient (`jax.vjp`) with cotangent 1 and with a random cotangent,
the tangent (`jax.jvp`) with a random tangent, the derivative of that gradient with respect to each hyperparameter
(registry activations), and what `jax.vjp` and `jax.linearize` keep per element of x (their residuals' dtypes) under
each half-precision policy. `compare` prints every entry that differs, with the number of elements and the largest
difference in units in the last place of its dtype, and exits 1 if any does: the size a release's changelog states."""
import inspect, sys
import numpy as np
import jax
import jax.numpy as jnp
import spyx_axn as axn

DTYPES = (jnp.float32, jnp.float16, jnp.bfloat16)
WRAPPERS = ('multilevel', 'signed', 'escape_noise', 'twin', 'relaxed')

def grid(dtype) -> jax.Array:
    "8001 points evenly over [-4, 4] and the special values, in `dtype`."
    fi = jnp.finfo(dtype)
    special = [0., -0., float(fi.smallest_subnormal), -float(fi.smallest_subnormal), float(fi.max), -float(fi.max),
               np.inf, -np.inf, np.nan]
    return jnp.concatenate([jnp.linspace(-4, 4, 8001, dtype=jnp.float32).astype(dtype), jnp.asarray(special, dtype)])

def activations() -> dict:
    "Label (the activation's repr) to (activation, registry name or None): the bases, then each wrapper of each base."
    from spyx_axn.diagnostics import twin
    wrap = {'multilevel': axn.multilevel, 'signed': axn.signed, 'escape_noise': axn.escape_noise, 'twin': twin,
            'relaxed': axn.relaxed}
    bases = {'custom': axn.custom(), **{n: axn.get(n) for n in axn.available()}}
    out = {repr(a): (a, n if n != 'custom' else None) for n, a in bases.items()}
    for w in WRAPPERS:
        for a in bases.values():
            try: wrapped = wrap[w](a)
            except (ValueError, TypeError): continue  # refused: an activation this wrapper does not take
            out[repr(wrapped)] = (wrapped, None)
    return out

def _keyed(act):
    "`act` as a function of x alone: a stochastic activation at one fixed key."
    if 'key' in inspect.signature(act).parameters: return lambda x, k=jax.random.key(0): act(x, k)
    return act

def gradients(act, dtype) -> dict:
    "The vjp with cotangent 1 and with a random cotangent, and the jvp with a random tangent, on `grid(dtype)`."
    f, x = _keyed(act), grid(dtype)
    ct = jax.random.normal(jax.random.key(1), x.shape, jnp.float32).astype(dtype)
    @jax.jit
    def run(x, ct):
        _, vjp = jax.vjp(f, x)
        return {'vjp_ones': vjp(jnp.ones_like(x))[0], 'vjp_random': vjp(ct)[0], 'jvp_random': jax.jvp(f, (x,), (ct,))[1]}
    return run(x, ct)

def hyper_gradient(name, act, dtype) -> dict:
    "d/dh of sum(cotangent * gradient) for each hyperparameter h of the registry activation `name`, through the backward pass."
    h = {k: jnp.asarray(v, jnp.float32) for k, v in act.hyperparameters.items()}
    if not h: return {}
    x = grid(dtype)[:8001]
    ct = jax.random.normal(jax.random.key(2), x.shape, jnp.float32).astype(dtype)
    def inner(h):
        g = jax.vjp(axn.get(name, **h), x)[1](ct)[0]
        return jnp.sum(g.astype(jnp.float32) * ct.astype(jnp.float32))
    return {f'd/d{k}': v for k, v in jax.jit(jax.grad(inner))(h).items()}

def kept(act, dtype) -> str:
    "The dtypes `jax.vjp` and `jax.linearize` keep per element of x (traced, not run), under each half-precision policy."
    f, x, out = _keyed(act), jax.ShapeDtypeStruct((4, 8), dtype), []
    for half in (('auto', 'input', 'surrogate') if jnp.finfo(dtype).bits < 32 else ('auto',)):
        with axn.residuals(half=half):
            for mode, make in (('vjp', lambda x: jax.vjp(f, x)[1]), ('linearize', lambda x: jax.linearize(f, x)[1])):
                leaves = jax.tree_util.tree_leaves(jax.eval_shape(make, x))
                per = [jnp.dtype(l.dtype).name for l in leaves if getattr(l, 'shape', None) == (4, 8)]
                out.append(f"{half}/{mode}: {'+'.join(per) or 'nothing'}")
    return '; '.join(out)

def save(path):
    data, n = {}, 0
    for label, (act, name) in activations().items():
        for dt in DTYPES:
            d = jnp.dtype(dt).name
            for k, v in {**gradients(act, dt), **(hyper_gradient(name, act, dt) if name else {})}.items():
                v = np.asarray(v)  # stored as its bits, its dtype in the key: NumPy's files have no bfloat16
                data[f'{label} | {d} | {k} | {v.dtype.name}'] = v.view(f'uint{8 * v.dtype.itemsize}')
            data[f'{label} | {d} | kept'] = np.asarray(kept(act, dt))
        n += 1
    np.savez_compressed(path, **data)
    print(f"{path}: {n} activations, {len(data)} entries; spyx_axn {axn.__version__} from {axn.__file__}, JAX {jax.__version__}")

def _ulps(a, b, dtype) -> float:
    "The largest |a - b| in units in the last place of `dtype`, at the larger magnitude; inf where one is not finite."
    a, b = a.view(dtype), b.view(dtype)
    a32, b32 = a.astype(np.float32), b.astype(np.float32)
    same = (a32 == b32) | (np.isnan(a32) & np.isnan(b32))
    if not np.all(np.isfinite(a32[~same]) & np.isfinite(b32[~same])): return np.inf
    m = np.maximum(np.abs(a32), np.abs(b32))[~same]
    eps = float(jnp.finfo(dtype).eps)
    spacing = np.maximum(2.0 ** np.floor(np.log2(np.maximum(m, np.finfo(np.float32).tiny))) * eps,
                         float(jnp.finfo(dtype).smallest_subnormal))
    return float((np.abs(a32 - b32)[~same] / spacing).max(initial=0.))

def compare(path_a, path_b) -> int:
    a, b = np.load(path_a), np.load(path_b)
    differ = 0
    for key in sorted(set(a.files) - set(b.files)): print(f"only in {path_a}: {key}"); differ += 1
    for key in sorted(set(b.files) - set(a.files)): print(f"only in {path_b}: {key}"); differ += 1
    common = sorted(set(a.files) & set(b.files))
    for key in common:
        x, y = a[key], b[key]
        if x.dtype.kind in 'US':
            if x != y: print(f"{key}: {x} | {y}"); differ += 1
            continue
        if x.shape != y.shape or x.dtype != y.dtype: print(f"{key}: {x.dtype}{x.shape} | {y.dtype}{y.shape}"); differ += 1
        elif (n := int((x != y).sum())):
            ulps = _ulps(x, y, jnp.dtype(key.split(' | ')[-1]))
            print(f"{key}: {n} of {x.size} elements differ, by up to {ulps:.3g} ulps"); differ += 1
    print(f"{len(common)} entries in both, {differ} differ")
    return int(differ > 0)

if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == 'save': save(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == 'compare': sys.exit(compare(sys.argv[2], sys.argv[3]))
    else: sys.exit(__doc__)
