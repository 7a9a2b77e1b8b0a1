"""The extensions every process needs, web or not: the database, mail and translations.

Kept apart from the web's (CSRF, login, rate limits, migrations in enquiry.extensions) so that
the intake app (enquiry.create_intake_app) starts without importing those.
"""

from flask_mail import Mail
from flask_sqlalchemy import SQLAlchemy

from enquiry.i18n import BoundBabel
from enquiry.models.base import Base

db = SQLAlchemy(model_class=Base)
mail = Mail()
babel = BoundBabel()
