"""The published JSON Schemas of kcheck's machine-readable output, shipped in the wheel.

``report-v2.schema.json`` describes ``--format json`` (``schema_version`` 2) of guest, host and
check; ``fragments-v1.schema.json`` that of ``kcheck merge`` and ``kcheck lint``. A tool that
consumes the report can validate it with the copy installed next to kcheck.
"""

from __future__ import annotations

import importlib.resources
import json
from typing import Any

REPORT_SCHEMA = "report-v2.schema.json"
FRAGMENTS_SCHEMA = "fragments-v1.schema.json"


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the JSON report, schema_version 2."""
    text = importlib.resources.files(__name__).joinpath(REPORT_SCHEMA).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def fragments_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``kcheck merge`` and ``kcheck lint`` reports."""
    text = importlib.resources.files(__name__).joinpath(FRAGMENTS_SCHEMA).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
