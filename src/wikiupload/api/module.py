"""ApiModule: a module declares its parameters and flags as data and implements execute()."""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

from wikiupload.api.params import Param

if TYPE_CHECKING:
    from wikiupload.api.context import ApiContext


class ApiModule(ABC):
    """An action module (``action=NAME``) or a submodule (``query+NAME``)."""

    name: ClassVar[str]
    group: ClassVar[str] = "action"          # action | prop | list | meta | format
    prefix: ClassVar[str] = ""
    params: ClassVar[tuple[Param, ...]] = ()
    needs_token: ClassVar[str | None] = None  # token type, e.g. "csrf"
    must_post: ClassVar[bool] = False
    write_mode: ClassVar[bool] = False
    read_rights: ClassVar[bool] = True
    posted_params: ClassVar[tuple[str, ...]] = ()   # wire names that must be in the POST body
    class_name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    help_url: ClassVar[str] = ""
    more_help_urls: ClassVar[tuple[str, ...]] = ()   # further help pages after help_url
    examples: ClassVar[tuple[tuple[str, str], ...]] = ()   # (query string, description)
    deprecated: ClassVar[bool] = False
    internal: ClassVar[bool] = False
    generator: ClassVar[bool] = False
    dynamic_parameters: ClassVar[bool] = False       # takes parameters it cannot declare

    @classmethod
    def path(cls) -> str:
        return cls.name if cls.group in ("action", "format") else f"query+{cls.name}"

    @classmethod
    def all_params(cls) -> tuple[Param, ...]:
        """Declared parameters plus ``token`` for modules that need one."""
        if cls.needs_token is None:
            return cls.params
        return (*cls.params, _token_param(cls.needs_token))

    @abstractmethod
    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        """Run the module, adding its output to ``ctx.result``."""


@cache
def _token_param(kind: str) -> Param:
    return Param("token", "string", required=True, sensitive=True,
                 help=f"A \"{kind}\" token retrieved from action=query&meta=tokens")
