"""Config: the defaults, overridden from LP_<KEY> variables as before Flask's from_prefixed_env."""

from __future__ import annotations

import pytest
from flask import Config

from api.config import DEFAULTS, configure


def _configured(monkeypatch, **env: str) -> Config:
    for key in DEFAULTS:
        monkeypatch.delenv(f"LP_{key}", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    config = Config(".")
    configure(config)
    return config


def test_defaults_without_variables(monkeypatch) -> None:
    config = _configured(monkeypatch)
    assert {k: config[k] for k in DEFAULTS} == DEFAULTS


def test_variables_override_with_the_defaults_types(monkeypatch) -> None:
    config = _configured(
        monkeypatch,
        LP_CACHE_MAX_AGE="60",
        LP_CORS_MAX_AGE=" 5 ",
        LP_CONTENT_DIR="/srv/content",
        LP_RELEASE_STORE="2026",  # JSON for a number, but a text setting: kept as written
        LP_PARTNER_KEYS_FILE="null",
        LP_RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
    )
    assert config["CACHE_MAX_AGE"] == 60 and config["CORS_MAX_AGE"] == 5
    assert config["CONTENT_DIR"] == "/srv/content" and config["RELEASE_STORE"] == "2026"
    assert config["PARTNER_KEYS_FILE"] == "null"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert config["CACHE_STALE_WHILE_REVALIDATE"] == DEFAULTS["CACHE_STALE_WHILE_REVALIDATE"]


@pytest.mark.parametrize("value", ["soon", "1.5", "true", '"60"'])
def test_a_number_that_is_not_one_stops_the_start(monkeypatch, value: str) -> None:
    with pytest.raises(ValueError, match="LP_CACHE_MAX_AGE"):
        _configured(monkeypatch, LP_CACHE_MAX_AGE=value)
