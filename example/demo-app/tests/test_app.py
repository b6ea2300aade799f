def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_liveness_and_readiness(client):
    assert client.get("/healthz/live").status_code == 200
    ready = client.get("/healthz/ready")
    assert ready.status_code == 200
    assert ready.get_json()["version"] == "v9.9.9-test"


def test_index_shows_name_and_version(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "demo-test" in body
    assert "v9.9.9-test" in body


def test_unknown_path_is_404(client):
    assert client.get("/nope").status_code == 404


def test_version_endpoint(client):
    assert client.get("/version").get_json() == {"name": "demo-test", "version": "v9.9.9-test"}
