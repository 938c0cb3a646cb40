"""Lending pages: financing requests, offers, loans and what insurers and valuers owe."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("lending", __name__)
