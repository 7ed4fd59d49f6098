"""Every bundled example gives what examples/expected.json says (metadata, items, outcome)."""
import json
from pathlib import Path

import pytest

from extraction.errors import GovdigestError
from extraction.pipeline import process_bytes

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXPECTED = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_examples_outcome_matches_expected(name, classifier):
    exp = EXPECTED[name]
    data = (EXAMPLES / name).read_bytes()
    if exp["expected"] != "processed":
        with pytest.raises(GovdigestError) as err:
            process_bytes(data, name, classifier=classifier)
        assert err.value.code == exp["expected"]
        return
    s = process_bytes(data, name, classifier=classifier)
    assert (s["report"]["agency"], s["report"]["year"], s["report"]["template"]) == \
        (exp["agency"], exp["year"], exp["generation"])
    assert (len(s["problems"]), len(s["improvements"])) == (exp["items"]["problems"], exp["items"]["improvements"])
    assert [k for k in exp["sections"] if k not in {x["kind"] for x in s["sections"]}] == []
