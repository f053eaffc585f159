"""borderlab: a simulator of instrumentalised migration crises at land borders."""

__version__ = "0.1.0"
