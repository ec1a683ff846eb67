"""No page state calls a blocking service on the event loop.

Reflex runs every event handler of a worker on one asyncio loop: a database, cache, blob,
queue, Claude or hashing call made there stalls every person on that worker. So a State
class hands each service call to ``run_blocking`` (which runs it on the bounded thread pool)
instead of calling it. This guard reads every module of ``ninevectors/state/`` (with ``ast``)
and fails on a call, inside a State class's method, of

* a function of a ``ninevectors.services`` module (imported as a module or as a function),
  unless it is one of the pure functions below;
* a module-level helper of the same file that (directly or through other helpers) calls one
  — such a helper runs on the pool: ``await run_blocking(helper, ...)``.

A lambda given to ``run_blocking`` as the function runs on the pool, so its body may call
services; anything else evaluated in the method (a call in run_blocking's arguments too)
runs on the loop.
"""

from __future__ import annotations

import ast
import importlib
from dataclasses import dataclass
from pathlib import Path

import pytest

import ninevectors.state

SERVICES = "ninevectors.services"
RUN_BLOCKING = "ninevectors.services.executor.run_blocking"
STATE_DIR = Path(ninevectors.state.__file__).parent

# Service functions that are safe on the loop: no store, database, cache, network, blob or
# hashing, only a little arithmetic on values already in memory. Each says why.
PURE = {
    RUN_BLOCKING: "the hand-off to the thread pool itself",
    "ninevectors.services.identity.roles.has_permission": "a lookup in the role table",
    "ninevectors.services.identity.roles.permissions_of": "a lookup in the role table",
    "ninevectors.services.identity.roles.can_grant": "compares two roles' ranks",
    "ninevectors.services.identity.roles.grantable_roles": "a slice of the role table",
    "ninevectors.services.identity.roles.Role.parse": "turns a role name into the enum",
    "ninevectors.services.identity.sessions.token_from_cookie_header": "parses a header",
    "ninevectors.services.assessments.assessments.can_manage": "decides on an item already read",
    "ninevectors.services.analytics.bands.band_of": "maps a score to its band",
    "ninevectors.services.documents.evidence.document_id_of": "parses a 'doc:<id>' reference",
    "ninevectors.services.documents.evidence.reference": "formats a 'doc:<id>' reference",
    "ninevectors.services.billing.business.is_operator": "compares the principal to a setting",
    # sets a context variable (who acts, for the logs): it must run in the event's own context
    "ninevectors.services.observability.context.bind_principal": "sets a context variable",
}


@dataclass(frozen=True)
class LoopCall:
    """A blocking call found on the event loop."""

    line: int
    method: str
    target: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.method}: {self.target}"


def _canonical(dotted: str) -> str:
    """Where the object named ``dotted`` is defined ("package.module.function"), so a
    re-exported function is allowed (or not) once, whatever the import that reached it."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for name in parts[cut:]:
                value = getattr(value, name)
        except AttributeError:
            return dotted
        module, qualname = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
        return f"{module}.{qualname}" if module and qualname else dotted
    return dotted


def _service_names(tree: ast.Module) -> dict[str, str]:
    """Local name -> dotted path, for every import from ninevectors.services."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(SERVICES) and alias.asname:
                    names[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(SERVICES):
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node: ast.expr) -> list[str] | None:
    """["a", "b", "c"] for the expression ``a.b.c``; None for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(parts)]


class _Checker:
    def __init__(self, tree: ast.Module) -> None:
        self.services = _service_names(tree)
        self.helpers: dict[str, str] = {}  # module-level helper -> the blocking call it makes
        functions = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        grew = True
        while grew:  # a helper calling a blocking helper is blocking too
            grew = False
            for function in functions:
                if function.name not in self.helpers:
                    found = self.calls_on_loop(function)
                    if found:
                        self.helpers[function.name] = found[0][1]
                        grew = True

    def service_target(self, func: ast.expr) -> str | None:
        parts = _dotted(func)
        if parts is None or parts[0] not in self.services:
            return None
        return _canonical(".".join([self.services[parts[0]], *parts[1:]]))

    def blocking_target(self, func: ast.expr) -> str | None:
        if isinstance(func, ast.Name) and func.id in self.helpers:
            return f"{func.id}() (which calls {self.helpers[func.id]})"
        target = self.service_target(func)
        return None if target is None or target in PURE else target

    def calls_on_loop(self, node: ast.AST) -> list[tuple[int, str]]:
        """The blocking calls evaluated where ``node`` runs (not in run_blocking's thread):
        (line, what is called)."""
        found: list[tuple[int, str]] = []
        pending: list[ast.AST] = [node]
        while pending:
            current = pending.pop()
            if isinstance(current, ast.Call):
                target = self.blocking_target(current.func)
                if target is not None:
                    found.append((current.lineno, target))
                if self.service_target(current.func) == RUN_BLOCKING and current.args:
                    first, *rest = current.args
                    # a lambda handed over runs on the pool; anything else is evaluated here
                    runs_here = [] if isinstance(first, ast.Lambda) else [first]
                    pending.extend([current.func, *runs_here, *rest, *current.keywords])
                    continue
            pending.extend(ast.iter_child_nodes(current))
        return found


def loop_calls(source: str) -> list[LoopCall]:
    """The blocking calls made on the event loop by the methods of the module's classes."""
    tree = ast.parse(source)
    checker = _Checker(tree)
    calls = []
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        for method in cls.body:
            if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
                for line, target in checker.calls_on_loop(method):
                    calls.append(LoopCall(line, f"{cls.name}.{method.name}", target))
    return sorted(calls, key=lambda c: c.line)


STATE_MODULES = sorted(p.name for p in STATE_DIR.glob("*.py"))


def test_every_state_module_is_checked() -> None:
    # session.py, wizard.py and auth_pages.py are covered like the others
    assert {"session.py", "wizard.py", "auth_pages.py", "assessments.py"} <= set(STATE_MODULES)


@pytest.mark.parametrize("module", STATE_MODULES)
def test_no_blocking_service_call_on_the_event_loop(module: str) -> None:
    calls = loop_calls((STATE_DIR / module).read_text(encoding="utf-8"))
    assert not calls, (
        f"ninevectors/state/{module} calls blocking services on the event loop; hand them "
        "to `await run_blocking(fn, *args)` instead:\n" + "\n".join(map(str, calls))
    )


@pytest.mark.parametrize("module", STATE_MODULES)
def test_no_thread_outside_the_bounded_pool(module: str) -> None:
    """asyncio.to_thread and run_in_executor use the default executor, which the bounded
    pool (and its database connections) know nothing about."""
    source = (STATE_DIR / module).read_text(encoding="utf-8")
    used = [
        f"line {n.lineno}: {n.attr}"
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Attribute) and n.attr in ("to_thread", "run_in_executor")
    ]
    assert not used, f"ninevectors/state/{module} should use run_blocking: {used}"


# --- the guard itself ------------------------------------------------------------------------

HEADER = """
from ninevectors.services import assessments
from ninevectors.services.executor import run_blocking
from ninevectors.services.identity import roles
from ninevectors.services.identity.users import get_current_user


def _read(principal, assessment_id):
    return assessments.get_assessment(principal, assessment_id)


def _read_twice(principal, assessment_id):
    return _read(principal, assessment_id), _read(principal, assessment_id)


def _label(item):
    return item.name.upper()


class PageState:
"""


def _targets(body: str) -> list[str]:
    return [c.target for c in loop_calls(HEADER + body)]


def test_guard_flags_service_calls_on_the_loop() -> None:
    assert _targets("""
    async def load(self, principal):
        return assessments.get_assessment(principal, "a1")
""") == ["ninevectors.services.assessments.assessments.get_assessment"]
    assert _targets("""
    def load(self, principal):
        return get_current_user(principal)
""") == ["ninevectors.services.identity.users.get_current_user"]


def test_guard_flags_helpers_that_block() -> None:
    assert _targets("""
    async def load(self, principal):
        return _read_twice(principal, "a1")
""") == [
        "_read_twice() (which calls _read() (which calls "
        "ninevectors.services.assessments.assessments.get_assessment))"
    ]


def test_guard_flags_a_call_evaluated_before_the_hand_off() -> None:
    assert _targets("""
    async def load(self, principal):
        return await run_blocking(_label, assessments.get_assessment(principal, "a1"))
""") == ["ninevectors.services.assessments.assessments.get_assessment"]


def test_guard_accepts_calls_handed_to_the_pool_and_pure_functions() -> None:
    assert (
        _targets("""
    async def load(self, principal):
        item = await run_blocking(assessments.get_assessment, principal, "a1")
        both = await run_blocking(_read_twice, principal, "a1")
        other = await run_blocking(lambda: assessments.get_assessment(principal, "a2"))
        allowed = roles.has_permission(principal.role, roles.ASSESSMENTS_CREATE)
        return _label(item), both, other, allowed
""")
        == []
    )
