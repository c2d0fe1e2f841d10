"Surrogate-gradient spike activations for JAX: a Heaviside step forward, a smooth surrogate derivative backward."
__version__ = "0.2.0"

from .core import Activation, SpikeFunction, heaviside, custom, residuals
from .surrogates import factories as _factories
globals().update(_factories())  # every surrogate factory, by its name: superspike, arctan, ...
from .multilevel import multilevel
from .escape_noise import escape_noise
from .signed import signed
from . import diagnostics  # noqa: F401 (twin, a function of an activation, joins the registry)
from .adaptive import relaxed
from .registry import available, get, config, describe

__all__ = ['Activation', 'SpikeFunction', 'heaviside', 'custom', 'residuals', *_factories(),
           'multilevel', 'escape_noise', 'signed', 'relaxed', 'available', 'get', 'config', 'describe']
