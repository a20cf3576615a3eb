"""Reference figures for the model tests, merged from every `tests/reference_<topic>.py` module.

Each such module may define:
- PARAMETERS: model name -> parameter count with default arguments (1000 classes unless the paper's dataset
  has fewer). Sources: keras.applications, torchvision, or the paper's layer table added up by hand (the
  arithmetic in a comment). Every registered model needs one: `test_every_model_has_a_reference` fails
  otherwise.
- MULTIPLY_ADDS: model name -> published multiply-adds per image.
- SMALL_SIZES: model or family name -> the smallest input size worth testing (keeps CI fast).
"""

import importlib
import pathlib

PARAMETERS, MULTIPLY_ADDS, SMALL_SIZES = {}, {}, {}
for _path in sorted(pathlib.Path(__file__).parent.glob("reference_*.py")):
    _module = importlib.import_module(_path.stem)
    for _merged, _part in ((PARAMETERS, "PARAMETERS"), (MULTIPLY_ADDS, "MULTIPLY_ADDS"), (SMALL_SIZES, "SMALL_SIZES")):
        _entries = getattr(_module, _part, {})
        _clash = set(_merged) & set(_entries)
        assert not _clash, f"{_path.name} repeats {_part} entries {sorted(_clash)}"
        _merged.update(_entries)
