"""Reflex configuration, read from the same settings object as the app."""

import reflex as rx

from ninevectors.api.security import allowed_origins
from ninevectors.settings import get_settings

settings = get_settings()

config = rx.Config(
    app_name="ninevectors",
    frontend_port=settings.port,
    backend_port=settings.port,
    api_url=settings.api_url,
    deploy_url=settings.public_url,
    # Reflex's CORS middlewares and its websocket check Origin against this list ("*"
    # by default, echoed back with credentials).
    cors_allowed_origins=allowed_origins(settings),
    backend_host="127.0.0.1" if settings.environment != "production" else "0.0.0.0",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    redis_url=settings.redis_url if settings.cache_backend == "redis" else None,
    # Reflex state: in Redis (any number of web workers), else in the one web worker's memory.
    # Not the disk manager: it rescans .states every 2 s (0.4-1.5 s stalls). A restarted
    # worker loses nothing a person did: the page rehydrates and sessions live in the database.
    state_manager_mode="redis" if settings.cache_backend == "redis" else "memory",
    default_color_mode="light",
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(appearance="light", accent_color="teal", radius="medium")
        ),
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
