"""Reading a rulebook in its translation costs what reading its primary text costs.

    python bench/rulebook_languages.py [--requests 30] [--rounds 3] [--items 400]

In one process (in-memory SQLite, the Flask test client): a single-label project with the
shipped content-safety rulebook (Chinese primary text, English translation) published, an
annotator qualified, ``--items`` items. Then, after one warm-up request per language, the
labeling screen (side panel of clauses) and the training reading are fetched ``--requests``
times per round with ``Accept-Language: zh`` (the primary text, the baseline) and ``en`` (the
translation); the best round's mean per request is printed with the ratio en/zh.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from annotate import create_app  # noqa: E402
from annotate.config import TestConfig  # noqa: E402
from annotate.database import db  # noqa: E402
from annotate.models import ProjectRole  # noqa: E402
from annotate.services.accounts.users import add_membership, create_user  # noqa: E402
from annotate.services.projects.projects import create_project  # noqa: E402
from annotate.services.training.modules import module_for_version  # noqa: E402
from annotate.services.training.publishing import import_path, publish_with_training  # noqa: E402
from tests.factories import import_batch, qualify  # noqa: E402

LABELS = [
    "safe",
    "a1_core_values",
    "a2_discrimination",
    "a3_commercial",
    "a4_rights",
    "a5_service_reliability",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--items", type=int, default=400)
    args = parser.parse_args()
    os.chdir(ROOT)
    app = create_app(TestConfig)
    with app.app_context():
        db.create_all()
        project = create_project(db.session, "cs", "CS", "single_label", labels=LABELS)
        user = create_user(db.session, "ann", "secret-pw")
        add_membership(db.session, user, project, ProjectRole.annotator)
        [draft] = import_path(db.session, ROOT / "guidelines" / "content-safety", project).versions
        version = publish_with_training(db.session, draft)
        qualify(db.session, project, [user], version, days=30)
        import_batch(db.session, project, n_items=args.items)
        module_id = module_for_version(db.session, version).id
        db.session.commit()
        client = app.test_client()
        client.post("/login", data={"username": "ann", "password": "secret-pw"})
        pages = {"labeling": "/annotate/cs", "reading": f"/annotate/training/modules/{module_id}"}
        for name, url in pages.items():
            for language in ("zh", "en"):
                client.get(url, headers={"Accept-Language": language})  # warm the caches
            best: dict[str, float] = {}
            for _ in range(args.rounds):
                for language in ("zh", "en"):
                    start = time.perf_counter()
                    for _ in range(args.requests):
                        response = client.get(url, headers={"Accept-Language": language})
                        assert response.status_code == 200, (url, response.status_code)
                    mean = (time.perf_counter() - start) / args.requests * 1000
                    best[language] = min(best.get(language, mean), mean)
            print(
                f"{name}: zh (primary) {best['zh']:.1f} ms, en (translation) "
                f"{best['en']:.1f} ms per request; en/zh = {best['en'] / best['zh']:.2f}"
            )


if __name__ == "__main__":
    main()
