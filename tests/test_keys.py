"""`keyed`, `using_key` and `with_keys` (nbs/46_from_spyx.ipynb) beyond the page: the noise of each step and of each
call is fresh, in spyx's scan and under JAX's transformations, and Flax is imported only when a layer is wrapped."""
import numpy as np
import pytest
import jax
import jax.numpy as jnp
import spyx_axn as axn
from helpers import run_python

KEY = jax.random.key(0)
HALF = axn.escape_noise(axn.sigmoid())  # fires with probability 1/2 at x = 0

def agreement(a, b):
    "The share of entries where spikes `a` and `b` agree, and the bound 5 standard errors above 1/2 (independent fair coins)."
    n = np.size(a)
    return float(jnp.mean(a == b)), 0.5 + 5 * np.sqrt(0.25 / n)

def test_each_step_of_spyx_run_draws_noise_of_its_own():
    "A memoryless layer at p = 1/2 under with_keys, run by spyx.nn.run under nnx.jit: steps and runs agree as coin flips do."
    nnx = pytest.importorskip('flax.nnx')
    spyx = pytest.importorskip('spyx')

    class Coin(nnx.Module):  # spyx's contract, with no memory: its spikes at each step are the activation's draw alone
        def __init__(self, act): self.act = act
        def initial_state(self, batch_size): return jnp.zeros((batch_size, 1000))
        def __call__(self, x, state): return self.act(jnp.zeros_like(state) + x), state

    model = axn.with_keys(Coin(axn.keyed(HALF)), rngs=nnx.Rngs(0))
    run = nnx.jit(lambda m, x: spyx.nn.run(m, x)[0])
    one, two = run(model, jnp.zeros((50, 1, 1))), run(model, jnp.zeros((50, 1, 1)))
    share, bound = agreement(one[1:], one[:-1])
    assert abs(share - 0.5) < bound - 0.5, f"consecutive steps agree in {share:.3f} of the spikes"
    share, bound = agreement(one, two)
    assert abs(share - 0.5) < bound - 0.5, f"two runs agree in {share:.3f} of the spikes"

def test_two_calls_in_one_step_draw_apart():
    "Two keyed activations called in one block (two noisy layers in one step) do not share their noise."
    def step(key, _):
        key, sub = jax.random.split(key)
        with axn.using_key(sub): s = jnp.stack([axn.keyed(HALF)(jnp.zeros(1000)), axn.keyed(HALF)(jnp.zeros(1000))])
        return key, s
    s = jax.lax.scan(step, KEY, None, length=20)[1]
    share, bound = agreement(s[:, 0], s[:, 1])
    assert abs(share - 0.5) < bound - 0.5, f"the two calls agree in {share:.3f} of the spikes"

@pytest.mark.parametrize('act', [HALF, axn.relaxed(axn.superspike(), p=0.5)], ids=repr)
def test_entered_inside_jit_vmap_and_grad_it_is_the_activation_called_with_its_key(act):
    "With using_key inside the transformed function, keyed(act) is act(x, fold_in(key, 0)): values and gradients, per key."
    x = jnp.linspace(-0.5, 0.5, 11)
    def ours(x, key):
        with axn.using_key(key): return axn.keyed(act)(x)
    direct = lambda x, key: act(x, jax.random.fold_in(key, 0))
    keys = jax.random.split(KEY, 3)
    for f in (ours, direct): assert not (jax.jit(f)(x, keys[0]) == jax.jit(f)(x, keys[1])).all()  # no key frozen in
    np.testing.assert_array_equal(jax.vmap(jax.jit(ours), (None, 0))(x, keys), jax.vmap(jax.jit(direct), (None, 0))(x, keys))
    total = lambda f: jax.grad(lambda x, key: f(x, key).sum())
    np.testing.assert_array_equal(jax.jit(total(ours))(x, keys[2]), jax.jit(total(direct))(x, keys[2]))

def test_refusals_name_the_fix():
    "A scan or vmap entered inside the block, a layer without spyx's contract, a key-taking activation keyed twice."
    x = jnp.zeros(3)
    with axn.using_key(KEY):
        with pytest.raises(TypeError, match="enter `using_key` inside the function"): jax.vmap(axn.keyed(HALF))(x[:, None])
        with pytest.raises(TypeError, match="enter `using_key` inside the function"):
            jax.lax.scan(lambda c, v: (c, axn.keyed(HALF)(v)), 0., x)
    with pytest.raises(TypeError, match="act must be an activation called as act"): axn.keyed(axn.keyed(HALF))
    with pytest.raises(TypeError, match=r"using_key: key must be a JAX random key"):
        with axn.using_key(0): pass
    with pytest.raises(TypeError, match="with_keys: layer must be a stateful layer.*got function"):
        axn.with_keys(lambda x: x, rngs=None)

@pytest.mark.slow  # a Python of its own that imports Flax
def test_flax_is_imported_only_by_with_keys():
    "The package needs JAX alone: importing it and using keyed leave Flax unimported; with_keys imports it."
    pytest.importorskip('flax')
    out = run_python("""
import sys, jax, spyx_axn as axn
with axn.using_key(jax.random.key(0)): axn.keyed(axn.escape_noise(axn.sigmoid()))(0.)
print('flax' in sys.modules)
from flax import nnx
class Layer(nnx.Module):
    def initial_state(self, n): return 0.
    def __call__(self, x, s): return x, s
axn.with_keys(Layer(), rngs=nnx.Rngs(0))
""")
    assert out.split() == ['False'], out
