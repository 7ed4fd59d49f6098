"""One training run, the same for every caller: `govdigest train`, POST /api/v1/models/train (in the
server) and the worker's `govdigest.train` task. Reviews from the database when asked, then
extraction.training.train, then the promotion gate when asked."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class TrainingRun:
    version: str
    card: dict
    reviews: int  # reviewed paragraphs read from the database (the card says how many were used)
    promoted: bool | None = None  # None: promotion was not asked for
    reason: str | None = None  # the gate's answer, or the error that stopped the promotion


def run_training(*, include_reviews: bool = False, promote: bool = False, force: bool = False,
                 database_url: str | None = None, data: Path | None = None, models_dir: Path | None = None,
                 version: str | None = None, cv: bool = True, cv_jobs: int | None = None, who: str | None = None,
                 on_reviews: Callable[[int], None] | None = None) -> TrainingRun:
    """Train a version (with the database's reviewed paragraphs on the training side if
    `include_reviews`) and, if `promote`, put it through the gate (`force` overrides it).

    Training errors (ValueError for unusable data, FileExistsError for a taken version name)
    propagate; a refused or failed promotion is reported in the result, the version stays."""
    from extraction.classify import MODELS_DIR, TRAINING_DATA
    from extraction.errors import GovdigestError
    from extraction.training import promote as promote_version
    from extraction.training import train

    reviews: list[dict] = []
    if include_reviews:
        from store.db import database_url as resolve
        from store.db import session
        from store.reviews import reviewed_records

        # resolved now (GOVDIGEST_DATABASE_URL as it is at this call), not as the cached default engine
        with session(resolve(database_url)) as s:
            reviews = reviewed_records(s)
        if on_reviews is not None:
            on_reviews(len(reviews))
    md = Path(models_dir or MODELS_DIR)
    md.mkdir(parents=True, exist_ok=True)
    name, card = train(data=Path(data or TRAINING_DATA), reviews=reviews, models_dir=md, version=version, cv=cv,
                       cv_jobs=cv_jobs)
    run = TrainingRun(name, card, len(reviews))
    if promote:
        try:
            run.promoted, run.reason = promote_version(name, force=force, models_dir=md, who=who)
        except GovdigestError as exc:  # e.g. the new file failed its checksum: reported, not raised
            run.promoted, run.reason = False, f"{exc.code}: {exc.message}"
    return run
