"""Build extraction/data/idf.txt (jieba.analyse's IDF format) from text we wrote ourselves:
the training paragraphs and synthetic reports. Run: python -m bench.build_idf"""
from __future__ import annotations

import json
from pathlib import Path

from bench.synth import make_report
from extraction.themes import IDF_PATH, build_idf

REPO = Path(__file__).resolve().parent.parent


def corpus_texts(n_reports: int = 1500) -> list[str]:
    texts = []
    data = REPO / "training_data" / "paragraphs.jsonl"
    for line in data.read_text(encoding="utf-8").splitlines():
        if line.strip():
            texts.append(json.loads(line)["text"])
    for i in range(n_reports):
        texts.extend(t for _, t in make_report(200_000 + i).paragraphs)
    return texts


def main() -> None:
    idf = build_idf(corpus_texts())
    lines = [f"{w} {v}" for w, v in sorted(idf.items(), key=lambda x: (x[1], x[0]))]
    IDF_PATH.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} words -> {IDF_PATH}")


if __name__ == "__main__":
    main()
