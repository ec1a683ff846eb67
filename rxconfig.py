"""Reflex configuration, read from the same settings object as the app."""

import reflex as rx

from ninevectors.settings import get_settings

settings = get_settings()

config = rx.Config(
    app_name="ninevectors",
    frontend_port=settings.port,
    backend_port=settings.port,
    api_url=settings.api_url,
    deploy_url=settings.public_url,
    backend_host="127.0.0.1" if settings.environment != "production" else "0.0.0.0",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    redis_url=settings.redis_url if settings.cache_backend == "redis" else None,
    default_color_mode="light",
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(appearance="light", accent_color="teal", radius="medium")
        ),
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
