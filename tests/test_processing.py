"""The embedded path's bulk runner (api.processing.run_many)."""
import gc

from api.processing import BULK_GC_THRESHOLDS, run_many


def test_processing_run_many_uses_bulk_gc_thresholds_and_restores_them(report_2019_bytes, not_a_report_bytes):
    before = gc.get_threshold()
    seen = []
    outcomes = []
    for outcome in run_many(iter([("a.txt", "a", report_2019_bytes), ("b.txt", "b", not_a_report_bytes)])):
        seen.append(gc.get_threshold())
        outcomes.append(outcome)
    assert seen == [BULK_GC_THRESHOLDS, BULK_GC_THRESHOLDS]
    assert gc.get_threshold() == before
    assert outcomes[0].summary is not None and outcomes[1].code == "not_a_report"


def test_processing_run_many_restores_thresholds_when_abandoned(report_2019_bytes):
    before = gc.get_threshold()
    it = run_many(iter([("a.txt", "a", report_2019_bytes), ("c.txt", "c", report_2019_bytes + b"\n")]))
    next(it)
    it.close()  # a caller that stops early (an exception in its loop) closes the generator
    assert gc.get_threshold() == before
