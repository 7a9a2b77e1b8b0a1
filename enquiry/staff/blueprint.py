"""The staff blueprint object; views are in the sibling modules."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")
