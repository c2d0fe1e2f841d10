"Surrogate-gradient spike activations for JAX: a Heaviside step forward, a smooth surrogate derivative backward."
__version__ = "0.1.0"

from .core import Activation, SpikeFunction, heaviside, custom
from .surrogates.superspike import superspike
from .surrogates.arctan import arctan
from .surrogates.boxcar import boxcar
from .surrogates.tanh import tanh
from .surrogates.triangular import triangular

__all__ = ['Activation', 'SpikeFunction', 'heaviside', 'custom',
           'superspike', 'arctan', 'boxcar', 'tanh', 'triangular']
