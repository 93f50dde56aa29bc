"""The lab builds Traefik in the background while it builds the images before it."""

import threading

import pytest

from tests.lab import artifacts, progress


@pytest.fixture(autouse=True)
def fresh_build(monkeypatch, tmp_path):
    monkeypatch.setattr(artifacts, "_TRAEFIK_BUILD", {})
    monkeypatch.setattr(artifacts, "_traefik_target", lambda: tmp_path / "traefik")


def test_traefik_binary_waits_for_the_background_build(monkeypatch, tmp_path):
    release = threading.Event()
    calls = []

    def slow_build():
        calls.append("build")
        release.wait(timeout=10)
        return tmp_path / "built"

    monkeypatch.setattr(artifacts, "_build_traefik", slow_build)
    artifacts.start_traefik_build()
    artifacts.start_traefik_build()  # a second start does not build twice
    release.set()
    assert artifacts.traefik_binary() == tmp_path / "built"
    assert calls == ["build"]


def test_traefik_binary_raises_the_background_build_error(monkeypatch):
    def failing_build():
        raise progress.LabError("lab step failed: go build traefik")

    monkeypatch.setattr(artifacts, "_build_traefik", failing_build)
    artifacts.start_traefik_build()
    with pytest.raises(progress.LabError, match="go build traefik"):
        artifacts.traefik_binary()


def test_a_cached_binary_starts_no_build(monkeypatch, tmp_path):
    (tmp_path / "traefik").write_text("binary", encoding="utf-8")
    monkeypatch.setattr(artifacts, "_build_traefik", lambda: pytest.fail("built although cached"))
    artifacts.start_traefik_build()
    assert artifacts.traefik_binary() == tmp_path / "traefik"
