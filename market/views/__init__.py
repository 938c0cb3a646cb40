"""Blueprints: one package per part of the site."""
