"""Running 9Vectors as a service: ``python -m ninevectors.cli serve``.

- :mod:`.build`: the frontend build, redone only when its inputs changed (a stamp in .web).
- :mod:`.web`: the web role, Granian with Reflex's app, failed workers respawned.
- :mod:`.supervisor`: every role of one machine under supervisord (restart, ordered drain).
- :mod:`.lifetime`: a supervised process ends when its supervisor does.
"""
