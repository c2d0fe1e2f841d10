"Surrogate-gradient spike activations for JAX: a Heaviside step forward, a smooth surrogate derivative backward."
__version__ = "0.1.0"

from .core import Activation, SpikeFunction, heaviside, custom
from .surrogates.superspike import superspike
from .surrogates.arctan import arctan
from .surrogates.boxcar import boxcar
from .surrogates.tanh import tanh
from .surrogates.triangular import triangular
from .surrogates.sigmoid import sigmoid
from .surrogates.unit_arctan import unit_arctan
from .surrogates.softsign import softsign
from .surrogates.erf import erf
from .surrogates.multi_gaussian import multi_gaussian
from .surrogates.exponential import exponential
from .surrogates.unit_exponential import unit_exponential
from .surrogates.piecewise_quadratic import piecewise_quadratic
from .surrogates.q_pseudospike import q_pseudospike
from .surrogates.s2nn import s2nn
from .surrogates.piecewise_leaky_relu import piecewise_leaky_relu
from .surrogates.circ import circ
from .surrogates.straight_through import straight_through
from .surrogates.dspike import dspike
from .multilevel import multilevel
from .escape_noise import escape_noise
from .signed import signed
from .registry import available, get, config, describe

__all__ = ['Activation', 'SpikeFunction', 'heaviside', 'custom',
           'superspike', 'arctan', 'boxcar', 'tanh', 'triangular',
           'sigmoid', 'unit_arctan', 'softsign', 'erf', 'multi_gaussian', 'exponential', 'unit_exponential',
           'piecewise_quadratic', 'q_pseudospike', 's2nn', 'piecewise_leaky_relu', 'circ', 'straight_through', 'dspike',
           'multilevel', 'escape_noise', 'signed', 'available', 'get', 'config', 'describe']
