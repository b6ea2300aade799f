import pytest

from app.main import create_app


@pytest.fixture
def app(monkeypatch):
    monkeypatch.setenv("APP_VERSION", "v9.9.9-test")
    monkeypatch.setenv("APP_NAME", "demo-test")
    return create_app()


@pytest.fixture
def client(app):
    return app.test_client()
