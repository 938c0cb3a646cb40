"""Configuration read from the environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]  # the project (templates/, static/, seeds/)
DEV_SECRET = "dev-only-secret-change-me"
SAFE_ENVS = {"development", "testing"}


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete."""


def load_config(
    instance_path: str, overrides: dict[str, Any] | None = None, *, require_secret: bool = True
) -> dict[str, Any]:
    """Build the app configuration from the environment, then apply overrides.

    Outside development and testing a real SECRET_KEY is required, unless `require_secret`
    is False (command-line work that does not serve the site).
    """
    env = os.environ.get("IPMARKET_ENV", "production")
    db_file = Path(instance_path) / "ipmarket.db"
    cfg: dict[str, Any] = {
        "ENV_NAME": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEV_SECRET),
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{db_file}"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        "LOGIN_ACCOUNT_LIMIT": os.environ.get("LOGIN_ACCOUNT_LIMIT", "5 per 15 minutes"),
        "REGISTRATION_RATE_LIMIT": os.environ.get("REGISTRATION_RATE_LIMIT", "5 per hour"),
        "RESET_RATE_LIMIT": os.environ.get("RESET_RATE_LIMIT", "5 per hour"),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),  # forecast jobs on RQ when set
        "WTF_CSRF_ENABLED": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "BABEL_DEFAULT_LOCALE": "en",
        "LANGUAGES": ["en", "zh"],
        "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
        # Uploaded documents (docs/documents.md): the size limit and where files are kept.
        "UPLOAD_MAX_BYTES": int(os.environ.get("UPLOAD_MAX_MB", "10") or 10) * 1024 * 1024,
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(Path(instance_path) / "uploads")),
        # An S3-compatible bucket instead of the folder (credentials: the AWS_* variables).
        "UPLOAD_S3_BUCKET": os.environ.get("UPLOAD_S3_BUCKET", ""),
        "UPLOAD_S3_ENDPOINT": os.environ.get("UPLOAD_S3_ENDPOINT", ""),
        "UPLOAD_S3_REGION": os.environ.get("UPLOAD_S3_REGION", ""),
        "UPLOAD_S3_PREFIX": os.environ.get("UPLOAD_S3_PREFIX", ""),
        "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
        # Number of trusted proxies in front of the site (0: none; see docs/security.md).
        "PROXY_FIX_HOPS": int(os.environ.get("PROXY_FIX_HOPS", "0") or 0),
        **payment_settings(),
        **mail_settings(),
    }
    if overrides:
        cfg.update(overrides)
    if require_secret and (problem := secret_problem(cfg) or payments_problem(cfg)):
        raise ConfigError(problem)
    cfg["SESSION_COOKIE_SECURE"] = cfg["ENV_NAME"] not in SAFE_ENVS
    cfg.setdefault("HSTS_ENABLED", cfg["ENV_NAME"] not in SAFE_ENVS)
    return cfg


def secret_problem(cfg: dict[str, Any]) -> str | None:
    """Why the configuration may not serve the site (None if it may)."""
    if cfg["ENV_NAME"] not in SAFE_ENVS and cfg["SECRET_KEY"] == DEV_SECRET:
        return (
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
            "string, or IPMARKET_ENV=development for a local demo."
        )
    return None


def mail_settings() -> dict[str, Any]:
    """SMTP settings for `ipmarket outbox send` (docs/notifications.md); without MAIL_SERVER
    e-mails are only logged, in development."""
    env = os.environ
    return {
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(env.get("MAIL_PORT", "25") or 25),
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS", "") == "1",
        "MAIL_USE_SSL": env.get("MAIL_USE_SSL", "") == "1",
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "no-reply@ipmarket.local"),
        "SITE_URL": env.get("SITE_URL", ""),  # links in e-mails sent from the command line
    }


def payment_settings() -> dict[str, Any]:
    """Stripe settings (docs/payments.md); without a secret key payments are simulated."""
    env = os.environ
    return {
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_PUBLISHABLE_KEY": env.get("STRIPE_PUBLISHABLE_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_API_BASE": env.get("STRIPE_API_BASE", ""),  # e.g. a localstripe server
        "STRIPE_JS_URL": env.get("STRIPE_JS_URL", ""),  # Stripe.js; no CDN by default
        "STRIPE_TIMEOUT": float(env.get("STRIPE_TIMEOUT", "20")),
        "PAYMENTS_SIMULATED_OK": env.get("PAYMENTS_SIMULATED_OK", "") == "1",
    }


def payments_problem(cfg: dict[str, Any]) -> str | None:
    """Why production may not serve with these payment settings (None if it may)."""
    if cfg["ENV_NAME"] in SAFE_ENVS:
        return None
    if not cfg.get("STRIPE_SECRET_KEY") and not cfg.get("PAYMENTS_SIMULATED_OK"):
        return (
            "Payments would be simulated: set STRIPE_SECRET_KEY (and STRIPE_PUBLISHABLE_KEY, "
            "STRIPE_WEBHOOK_SECRET, STRIPE_JS_URL), or PAYMENTS_SIMULATED_OK=1 to allow it."
        )
    if cfg.get("STRIPE_SECRET_KEY") and not (
        cfg.get("STRIPE_PUBLISHABLE_KEY") and cfg.get("STRIPE_JS_URL")
    ):
        return "STRIPE_PUBLISHABLE_KEY and STRIPE_JS_URL are needed with STRIPE_SECRET_KEY."
    return None
