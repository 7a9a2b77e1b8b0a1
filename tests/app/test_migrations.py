"""`flask db upgrade` on an empty database gives exactly the models' schema."""

from __future__ import annotations

from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import inspect

from enquiry.extensions import db
from enquiry.models import Base
from enquiry.search.index import include_name


def test_upgrade_head_equals_models(make_app: Callable[..., Flask]) -> None:
    app = make_app(create_schema=False)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": False,
                "include_name": include_name,
            },
        )
        differences = compare_metadata(context, Base.metadata)
        tables = set(inspect(connection).get_table_names())
    assert differences == []
    assert set(Base.metadata.tables) <= tables


def test_downgrade_to_base_and_up_again(make_app: Callable[..., Flask]) -> None:
    app = make_app(create_schema=False)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    down = runner.invoke(args=["db", "downgrade", "base"])
    assert down.exit_code == 0, down.output
    with app.app_context(), db.engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
