"""The compliance dossier an inspector reads (Art. 8 duties, Art. 19 "explain the rules").

:mod:`.build` writes the bundle; :mod:`.period` frames it (period, time zone, rounding);
:mod:`.duties` judges each duty; :mod:`.tables`, :mod:`.rules`, :mod:`.supervision` and
:mod:`.handling` gather the evidence; :mod:`.signing` makes and checks SHA256SUMS and its
Ed25519 signature.
"""

from annotate.services.quality.dossier.build import (
    DossierRequest,
    build_dossier,
    build_dossier_zip,
)

__all__ = ["DossierRequest", "build_dossier", "build_dossier_zip"]
