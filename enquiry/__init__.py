"""Enquiry: public enquiry and feedback tickets for a city's e-government office."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from enquiry.config import ROOT, instance_path

if TYPE_CHECKING:  # Flask is imported by the factories: the MTA pipe starts without it
    from flask import Flask

__all__ = ["ROOT", "create_app", "create_intake_app"]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the application."""
    from flask import Flask

    app = Flask(
        __name__,
        instance_path=instance_path(),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from enquiry.i18n import EnquiryRequest

    app.request_class = EnquiryRequest
    _configure(app, test_config)
    _trust_proxies(app)
    from enquiry.audit import keys as audit_keys

    audit_keys.init_app(app)
    _init_extensions(app)

    from enquiry.bounded import IdConverter

    app.url_map.converters["id"] = IdConverter  # `<id:...>`: bounded, ASCII (enquiry/bounded.py)
    from enquiry import errors, security, templating
    from enquiry.api import bp as api_bp
    from enquiry.cli import commands as cli
    from enquiry.public import bp as public_bp
    from enquiry.search import index as search_index
    from enquiry.staff import bp as staff_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(api_bp)
    errors.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    search_index.init_app(app)
    cli.init_app(app)
    return app


def create_intake_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the application without its web front (the mail pipe's way for unusual databases).

    Configuration, database, audit keys, translations and the templates of the mails it
    writes: what taking in a message needs, none of the pages, forms, logins or rate limits.
    """
    from flask import Flask

    app = Flask(
        __name__,
        instance_path=instance_path(),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=None,
    )
    _configure(app, test_config)
    from enquiry.audit import keys as audit_keys

    audit_keys.init_app(app)
    _init_core_extensions(app)
    from enquiry import templating
    from enquiry.search import index as search_index

    templating.init_app(app)
    search_index.init_app(app)
    return app


def _configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    from enquiry.config import Defaults, default_database_uri, secret_key_for

    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("ENQUIRY")
    if test_config:
        app.config.from_mapping(test_config)
    app.config.setdefault("INSTANCE_PATH", app.instance_path)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = default_database_uri(app.instance_path)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key_for(app.instance_path)
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        timeout = float(app.config.get("SQLITE_BUSY_TIMEOUT_SECONDS", 15))
        options["connect_args"] = {"timeout": timeout, **options.get("connect_args", {})}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if uri.startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri.split("://", 1)[1]


def _trust_proxies(app: Flask) -> None:
    """Take the client address, scheme and host from PROXY_HOPS trusted proxies' headers."""
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )


def _init_extensions(app: Flask) -> None:
    from enquiry.extensions import LazyMigrateGroup, csrf, limiter, login_manager

    _init_core_extensions(app)
    app.cli.add_command(LazyMigrateGroup(app))  # Flask-Migrate loads with a `flask db` command
    csrf.init_app(app)
    from enquiry.ratelimit import storage_uri

    app.config["RATELIMIT_STORAGE_URI"] = storage_uri(app.config.get("RATELIMIT_STORAGE_URI"))
    limiter.init_app(app)
    login_manager.init_app(app)


def _init_core_extensions(app: Flask) -> None:
    import enquiry.models  # noqa: F401  (registers every table on the metadata)
    from enquiry.core_extensions import babel, db, mail
    from enquiry.i18n import select_locale

    db.init_app(app)
    mail.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    from enquiry.domain import events, reference_cache

    reference_cache.listen()  # admins' changes to rarely changing data bump its cache stamp

    events.listen()  # public audit events become webhook deliveries, same transaction
    from enquiry.domain import notifications

    notifications.listen(db.session)  # and colleagues' notifications, same transaction
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _tune_sqlite(app)


def _tune_sqlite(app: Flask) -> None:
    """WAL, foreign keys and a busy timeout on every SQLite connection.

    The busy timeout comes first: switching to WAL may itself wait for another writer. Writers
    queue for the lock for up to SQLITE_BUSY_TIMEOUT_SECONDS instead of failing at once with
    "database is locked" when a few staff post at the same moment.
    """
    from functools import partial

    from sqlalchemy import event

    from enquiry.core_extensions import db

    timeout_ms = int(float(app.config.get("SQLITE_BUSY_TIMEOUT_SECONDS", 15)) * 1000)
    synchronous = str(app.config.get("SQLITE_SYNCHRONOUS", "NORMAL")).upper()
    if synchronous not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"SQLITE_SYNCHRONOUS must be NORMAL or FULL, not {synchronous!r}")
    with app.app_context():
        event.listen(db.engine, "connect", partial(_sqlite_pragmas, timeout_ms, synchronous))


# NORMAL: a commit survives the app's crash, but the last ones before a checkpoint may be lost
# with the machine's power; FULL: every commit is on disk first (an fsync each, in the lock).
SQLITE_SYNCHRONOUS = frozenset({"NORMAL", "FULL"})


def _sqlite_pragmas(timeout_ms: int, synchronous: str, dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={timeout_ms:d}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={synchronous}")  # one of SQLITE_SYNCHRONOUS
    cursor.execute("PRAGMA secure_delete=ON")  # removed personal data does not linger in free pages
    cursor.close()
