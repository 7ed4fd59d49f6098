"""Shared helpers for the API and web tests (no tests here): an app on a temp SQLite database and a
temp copy of the model registry, users of every role, and report texts written by us."""
from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

from conftest import NOT_A_REPORT, REPO, REPORT_2019

ROLES = ("viewer", "reviewer", "admin")


def report_text(agency: str = "某某县文化和旅游局", year: int = 2020, *, extra: str = "", total: str | None = None) -> str:
    """The conftest 2019 report with another agency/year; `extra` adds a paragraph to the overview;
    `total` replaces the grand-total row of 表三 (to make an identity fail)."""
    text = REPORT_2019.replace("某某县文化和旅游局", agency).replace("2020年", f"{year}年")
    if extra:
        text = text.replace("（一）强化组织保障。", extra + "\n（一）强化组织保障。")
    if total is not None:
        text = text.replace("（七）总计\n2 0 0 1 0 0 3", f"（七）总计\n{total}")
    return text


def make_zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def tiny_training_data(path: Path, per_label: int = 20) -> Path:
    """A small labelled file (records from training_data/) so a training run takes a second."""
    counts: dict[str, int] = {}
    lines = []
    with open(REPO / "training_data" / "paragraphs.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if counts.get(row["label"], 0) < per_label:
                counts[row["label"]] = counts.get(row["label"], 0) + 1
                lines.append(line)
            if len(counts) == 4 and all(n >= per_label for n in counts.values()):
                break
    path.write_text("".join(lines), encoding="utf-8")
    return path


def copy_models(dest: Path) -> Path:
    """The checked-in registry (its active version only), copied so tests may promote and train."""
    src = REPO / "models"
    active = json.loads((src / "registry.json").read_text(encoding="utf-8"))["active"]
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(src / active, dest / active)
    shutil.copy(src / "registry.json", dest / "registry.json")
    return dest


def build(tmp: Path, url: str | None = None, **overrides):
    """(app, config, tokens by role) on a fresh SQLite database under `tmp` (or on `url`)."""
    from api.app import create_app
    from api.services import Config
    from store.db import session
    from store.users import add_user

    url = url or f"sqlite:///{tmp / 'api.db'}"
    cfg = Config(database_url=url, models_dir=copy_models(tmp / "models"), data_dir=tmp / "data",
                 training_data=tiny_training_data(tmp / "train.jsonl"), secret_key="test-secret-key", **overrides)
    tokens = {}
    with session(url) as s:
        for role in ROLES:
            _, tokens[role] = add_user(s, role, role)
        s.commit()
    return create_app(cfg), cfg, tokens


def bearer(token: str | None) -> dict:
    return {"Authorization": f"Bearer {token}"} if token else {}


def upload(client, token: str, files: dict[str, bytes], **data):
    return client.post("/api/v1/documents", headers=bearer(token),
                       files=[("files", (name, content, "application/octet-stream")) for name, content in files.items()],
                       data=data)


def process_report(client, text: str = REPORT_2019, name: str = "report.txt") -> int:
    r = upload(client, client.tokens["reviewer"], {name: text.encode("utf-8")})
    assert r.status_code == 202, r.text
    return r.json()["documents"][0]["id"]


__all__ = ["NOT_A_REPORT", "ROLES", "bearer", "build", "make_zip", "process_report", "report_text",
           "tiny_training_data", "upload"]
