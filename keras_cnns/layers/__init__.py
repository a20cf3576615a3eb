"""Custom layers of the zoo, each registered serializable (they load with `safe_mode=True`).

Every module here lists its public names in `__all__`; they are exported from `keras_cnns.layers`.
"""

import importlib
import pkgutil

_modules = [importlib.import_module(f"{__name__}.{module.name}") for module in pkgutil.iter_modules(__path__)]
_exports = {name: getattr(module, name) for module in _modules for name in getattr(module, "__all__", ())}
globals().update(_exports)
__all__ = sorted(_exports)
