"""URL rules of the generic store: every path of the API model that no bespoke route serves.

Built by :func:`generic_blueprint` from the application's URL map once the bespoke blueprints
are registered, so that a bespoke route always keeps its path. Each rule allows the methods the
model gives its service (any other is a 405 fault with ``Allow``), and each action of the model
that no bespoke route serves gets its ``POST`` rule.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from flask_smorest import Blueprint
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map

from engine_api.generic import service
from engine_api.generic.paths import GenericPath, generic_paths, rule
from engine_api.model import ApiModel
from engine_api.routes.http import call
from engine_api.types import API_PREFIX


def _served_by(url_map: Map) -> Callable[[str, Optional[str]], bool]:
    """Whether a rule of ``url_map`` serves a concrete path below the API root: with ``method``,
    for that method; without, for any."""
    adapter = url_map.bind("localhost")

    def served(path: str, method: Optional[str] = None) -> bool:
        try:
            adapter.match(f"{API_PREFIX}/{path}", method=method or "GET")
        except NotFound:
            return False
        except MethodNotAllowed:
            return method is None
        except HTTPException:  # a redirect: the path is taken
            return True
        return True

    return served


def _doc(summary: str) -> dict[str, Any]:
    """The documentation a rule gives its operation: its summary; the OpenAPI document takes the
    rest from the API model (:class:`~engine_api.openapi.ModelOperations`)."""
    return {"summary": summary}


def _endpoint(template: str, suffix: str) -> str:
    return "_".join(segment.strip("{}") for segment in template.split("/")) + f"_{suffix}"


def _add_rule(blp: Blueprint, template: str, method: str, view: Callable[..., Any], doc: dict[str, Any]) -> None:
    """One method of one path: a rule of its own, so that the OpenAPI document tells each apart."""
    view.__name__ = _endpoint(template, method.lower())
    blp.add_url_rule(rule(template), view_func=blp.doc(**doc)(view), methods=[method])


#: The model's method verbs: the HTTP method of each, the service that answers it, whether it reads
#: a body, and its summary; the first two are a collection's, the others a member's.
_VERBS = (
    ("list", "GET", service.list_entities, False, "List the {type} entities of {template}"),
    ("add", "POST", service.add_entity, True, "Add a {type} to {template}"),
    ("get", "GET", service.get_entity, False, "One {type} of {template}"),
    ("update", "PUT", service.update_entity, True, "Update a {type} of {template}"),
    ("remove", "DELETE", service.remove_entity, False, "Remove a {type} of {template}"),
)
_COLLECTION_VERBS = frozenset({"list", "add"})


def _method_rules(blp: Blueprint, path: GenericPath) -> None:
    """A rule for each method the model gives the path: a collection's list and add, a member's
    get, update and remove."""
    verbs = path.verbs()
    for verb, method, answer, body, summary in _VERBS:
        if verb not in verbs or (verb in _COLLECTION_VERBS) == path.member:
            continue

        def view(_answer: Callable[..., Any] = answer, _body: bool = body, **values: str) -> Any:
            return call(_answer, path, values, body=_body)

        _add_rule(blp, path.template, method, view, _doc(summary.format(type=path.type, template=path.template)))


def _action_rules(blp: Blueprint, path: GenericPath) -> None:
    for segment in path.actions:
        def action(_segment: str = segment, **values: str) -> Any:
            return call(service.run_action, path, _segment, values, body=True)

        _add_rule(blp, f"{path.template}/{segment}", "POST", action, _doc(f"The {segment} action of {path.template}"))


def generic_blueprint(url_map: Map, model: ApiModel) -> tuple[Blueprint, list[GenericPath]]:
    """The blueprint of every path of ``model`` the rules of ``url_map`` leave unserved, and
    those paths."""
    blp = Blueprint("generic", __name__, url_prefix=API_PREFIX,
                    description="Every other service of the API model, stored as documents")
    paths = list(generic_paths(model, _served_by(url_map)))
    for path in paths:
        if not path.bespoke:
            _method_rules(blp, path)
        _action_rules(blp, path)
    return blp, paths
