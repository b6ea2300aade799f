"""The demo Flask application deployed by the pipeline."""
import os

from flask import Flask, jsonify


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["APP_NAME"] = os.environ.get("APP_NAME", "demo-flask-app")
    app.config["APP_VERSION"] = os.environ.get("APP_VERSION", "dev")

    @app.get("/")
    def index():
        name = app.config["APP_NAME"]
        version = app.config["APP_VERSION"]
        return (
            "<!doctype html><title>{0}</title>"
            "<h1>{0}</h1><p>Version: <code>{1}</code></p>".format(name, version)
        )

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.get("/healthz/live")
    def live():
        return jsonify(status="ok", check="live")

    @app.get("/healthz/ready")
    def ready():
        return jsonify(status="ok", check="ready", version=app.config["APP_VERSION"])

    @app.get("/version")
    def version():
        return jsonify(name=app.config["APP_NAME"], version=app.config["APP_VERSION"])

    return app


app = create_app()

if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "5000")))
