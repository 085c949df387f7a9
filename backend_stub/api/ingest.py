"""Adapter from ``POST /admin/ingest`` bodies to the encoder's persisted job queue (``backend_stub.encode``).

Body: ``{"source": "<path on the server>", "title_id", "name", "description"?, "genres"?: [..],
"cast"?: [..], "year"?, "audio_langs"?: [..], "protected"?: bool, "job_id"?}``. The job id is idempotent
(the encoder derives it from title, source and protection when not given); the worker thread started
by the server process runs the jobs.
"""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from backend_stub.api.clock import Clock
from backend_stub.api.errors import BadRequest


class IngestBody(BaseModel):
    source: str = Field(min_length=1, max_length=4096)
    title_id: str = Field(min_length=1, max_length=128)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=4000)
    genres: list[str] = Field(default_factory=list, max_length=16)
    cast: list[str] = Field(default_factory=list, max_length=64)
    year: int | None = None
    audio_langs: list[str] = Field(default_factory=lambda: ["en"], max_length=8)
    protected: bool = False
    job_id: str | None = Field(None, max_length=128)


class EncoderIngest:
    """The :class:`~backend_stub.api.context.IngestPort` over ``backend_stub.encode.jobs``."""

    def __init__(self, data_dir: Path, clock: Clock) -> None:
        self.data_dir = data_dir
        self.clock = clock

    def submit(self, request: dict[str, Any]) -> str:
        from backend_stub.encode.errors import EncodeError
        from backend_stub.encode.jobs import submit_ingest
        from backend_stub.encode.models import TitleMeta

        try:
            body = IngestBody.model_validate(request)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise BadRequest(f"invalid ingest request: {'.'.join(map(str, first['loc']))}: {first['msg']}",
                             code="invalid_request") from None
        try:
            meta = TitleMeta(id=body.title_id, name=body.name, description=body.description, genres=tuple(body.genres),
                             cast=tuple(body.cast), year=body.year, audio_langs=tuple(body.audio_langs))
            return submit_ingest(self.data_dir, Path(body.source), meta, body.protected, body.job_id,
                                 clock=self.clock.now)
        except (EncodeError, ValueError) as exc:
            raise BadRequest(str(exc), code="bad_ingest") from None

    def status(self, job_id: str) -> dict[str, Any] | None:
        from backend_stub.encode.errors import EncodeError
        from backend_stub.encode.jobs import get_job

        try:
            return asdict(get_job(self.data_dir, job_id))
        except EncodeError:
            return None
