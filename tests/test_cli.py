import json
import subprocess

from extraction.errors import ERROR_MESSAGES


def run(bin_, args, env, cwd):
    return subprocess.run([bin_, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def test_cli_process_writes_json_and_reports_failures(tmp_path, govdigest_bin, cli_env, report_2019_bytes,
                                                       not_a_report_bytes):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "good.txt").write_bytes(report_2019_bytes)
    (inputs / "notice.txt").write_bytes(not_a_report_bytes)
    (inputs / "notes.md").write_bytes(b"# notes")
    stray = tmp_path / "data.xyz"
    stray.write_bytes(b"whatever")
    out = tmp_path / "out"
    r = run(govdigest_bin, ["process", str(inputs), str(stray), "--out", str(out)], cli_env, tmp_path)
    assert r.returncode == 3
    assert "notice.txt: not_a_report:" in r.stderr
    assert "data.xyz: unsupported_format:" in r.stderr
    assert "1 processed, 2 failed, 1 skipped" in r.stderr
    summary = json.loads((out / "good.json").read_text())
    assert summary["report"]["year"] == 2020
    assert (tmp_path / "home" / "govdigest.db").exists()


def test_cli_process_zip_and_show_from_store(tmp_path, govdigest_bin, cli_env, report_2019_bytes):
    import zipfile

    z = tmp_path / "batch.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("reports/wenlv.txt", report_2019_bytes)
    r = run(govdigest_bin, ["process", str(z), "--out", str(tmp_path / "o")], cli_env, tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "o" / "wenlv.json").exists()
    shown = run(govdigest_bin, ["show", "1"], cli_env, tmp_path)
    assert shown.returncode == 0 and "某某县文化和旅游局" in shown.stdout and "Problems (2)" in shown.stdout


def test_cli_export_csv_and_jsonl(tmp_path, govdigest_bin, cli_env, report_2019_bytes):
    f = tmp_path / "r.txt"
    f.write_bytes(report_2019_bytes)
    assert run(govdigest_bin, ["process", str(f)], cli_env, tmp_path).returncode == 0
    csv_out = run(govdigest_bin, ["export", "--format", "csv"], cli_env, tmp_path)
    lines = csv_out.stdout.strip().splitlines()
    assert lines[0].startswith("id,sha256,filename") and "某某县文化和旅游局" in lines[1]
    jl = run(govdigest_bin, ["export", "--format", "jsonl"], cli_env, tmp_path)
    assert json.loads(jl.stdout.splitlines()[0])["report"]["year"] == 2020
    bad = run(govdigest_bin, ["export", "--format", "xml"], cli_env, tmp_path)
    assert bad.returncode == 2


def test_cli_error_codes_are_documented():
    for code in ("unsupported_format", "empty_document", "no_text_layer", "encrypted_pdf", "decode_error",
                 "too_large", "not_a_report"):
        assert code in ERROR_MESSAGES
