"""One module per CNN family. Importing this package imports each of them, which registers their models."""

import importlib
import pkgutil

FAMILY_MODULES = tuple(
    importlib.import_module(f"{__name__}.{module.name}") for module in pkgutil.iter_modules(__path__)
)
