"""Fixtures for the PostgreSQL tests: a schema of its own per test run, dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

URL_VARIABLE = "FENGQIAO_PG_URL"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A ``postgresql://`` URL with ``?schema=`` naming a fresh schema (dropped at the end)."""
    base = os.environ.get(URL_VARIABLE)
    if not base:
        pytest.skip(f"{URL_VARIABLE} is not set: no PostgreSQL server to test against")
    schema = f"fq_test_{uuid.uuid4().hex[:12]}"
    joiner = "&" if "?" in base else "?"
    yield f"{base}{joiner}schema={schema}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture(scope="session")
def pg_base() -> str:
    """The server URL itself (for tests that make schemas of their own)."""
    base = os.environ.get(URL_VARIABLE)
    if not base:
        pytest.skip(f"{URL_VARIABLE} is not set: no PostgreSQL server to test against")
    return base
