"Surrogate-gradient spike activations for JAX: a Heaviside step forward, a smooth surrogate derivative backward."
__version__ = "0.2.0"

from .core import Activation, SpikeFunction, heaviside, custom, residuals, domain_errors
from .multilevel import multilevel
from .escape_noise import escape_noise
from .signed import signed
from . import diagnostics  # noqa: F401 (twin, a function of an activation, joins the registry)
from .adaptive import relaxed
from .keys import keyed, using_key, with_keys
from .registry import available, get, config, describe

__all__ = ['Activation', 'SpikeFunction', 'heaviside', 'custom', 'residuals', 'domain_errors',
           'multilevel', 'escape_noise', 'signed', 'relaxed', 'keyed', 'using_key', 'with_keys', 'available', 'get', 'config', 'describe']

# The surrogate factories, one line per module of surrogates/: written by tools/exports.py from their __all__.
from .surrogates.arctan import arctan
from .surrogates.asymmetric import asymmetric
from .surrogates.boxcar import boxcar
from .surrogates.circ import circ
from .surrogates.dspike import dspike
from .surrogates.erf import erf
from .surrogates.exponential import exponential
from .surrogates.multi_gaussian import multi_gaussian
from .surrogates.piecewise_leaky_relu import piecewise_leaky_relu
from .surrogates.piecewise_quadratic import piecewise_quadratic
from .surrogates.q_pseudospike import q_pseudospike
from .surrogates.s2nn import s2nn
from .surrogates.sigmoid import sigmoid
from .surrogates.softsign import softsign
from .surrogates.straight_through import straight_through
from .surrogates.superspike import superspike
from .surrogates.tanh import tanh
from .surrogates.triangular import triangular
from .surrogates.unit_arctan import unit_arctan
from .surrogates.unit_exponential import unit_exponential
__all__ += [
    'arctan',
    'asymmetric',
    'boxcar',
    'circ',
    'dspike',
    'erf',
    'exponential',
    'multi_gaussian',
    'piecewise_leaky_relu',
    'piecewise_quadratic',
    'q_pseudospike',
    's2nn',
    'sigmoid',
    'softsign',
    'straight_through',
    'superspike',
    'tanh',
    'triangular',
    'unit_arctan',
    'unit_exponential',
]
# End of the surrogate factories.
