"""The citizens' blueprint object; views are in the sibling modules."""

from flask import Blueprint

bp = Blueprint("public", __name__)
