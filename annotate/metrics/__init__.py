"""Agreement, accuracy, sampling and consensus — a pure package.

Depends on numpy, scipy and the standard library only; nothing else of ours (the tests
cross-check it against scikit-learn and the ``krippendorff`` package). Input everywhere is long
format (parallel ``items``, ``annotators``, ``values``), with a raters × units matrix accepted
as a convenience. Results are frozen dataclasses; an undefined figure is ``None`` with a
``reason``, never ``NaN``. Random choices take a ``seed``.
"""

import lazy_loader

# The names are loaded on first use, from the imports listed in ``__init__.pyi`` (which type
# checkers read): ``import annotate.metrics.iso2859`` (``annotate sample-plan``) must not
# import numpy and scipy.
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
