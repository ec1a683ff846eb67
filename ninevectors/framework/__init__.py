"""The 9 Vectors taxonomy: 3 categories, 9 vectors, 37 sub-lenses, 156 themes."""

from ninevectors.framework.taxonomy import (
    Framework,
    FrameworkError,
    SubLens,
    Theme,
    Vector,
    get_framework,
    load_framework,
)

__all__ = [
    "Framework",
    "FrameworkError",
    "SubLens",
    "Theme",
    "Vector",
    "get_framework",
    "load_framework",
]
