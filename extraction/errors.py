"""Every error a user can see, as a stable code and a sentence that says what to do.

Codes are part of the contract (CLI output, stored documents, HTTP API): never rename one.
"""
from __future__ import annotations

ERROR_MESSAGES: dict[str, str] = {
    "unsupported_format": "This file type is not supported; submit .txt, .html/.htm, .docx, .pdf or a .zip of these.",
    "empty_document": "The file holds no text; check that the right file was submitted.",
    "no_text_layer": "The PDF has no text layer (it looks scanned); run OCR on it first and submit the result.",
    "encrypted_pdf": "The PDF is encrypted; submit an unencrypted copy.",
    "decode_error": "The file could not be read (corrupt or not in the format its name says); re-export it and submit again.",
    "too_large": "The file is larger than the configured limit; split it or raise GOVDIGEST_MAX_BYTES.",
    "not_a_report": "This does not look like a government information-disclosure annual report (政府信息公开工作年度报告).",
    "zip_unsafe": "The archive has unsafe entries (absolute or parent paths, or it expands too far); repack it.",
    "internal_error": "The pipeline failed on this file; report it with the file attached.",
    "worker_crash": "The document stopped its worker repeatedly and was set aside; inspect it before retrying.",
    "timeout": "Processing took longer than the time limit; retry, or raise the limit for large files.",
    "model_untrusted": "The model file holds types outside the trusted list; it was not loaded.",
    "model_checksum": "The model file does not match the checksum in its card; it was not loaded.",
    "model_missing": "No trained classifier is available; run `govdigest train --promote`.",
}


class GovdigestError(Exception):
    """An error with a stable code; `str()` gives the sentence a user reads."""

    def __init__(self, code: str, detail: str | None = None):
        if code not in ERROR_MESSAGES:
            raise ValueError(f"unknown error code {code!r}")
        self.code = code
        self.detail = detail
        message = ERROR_MESSAGES[code]
        super().__init__(f"{message} ({detail})" if detail else message)

    @property
    def message(self) -> str:
        return str(self)

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message}
