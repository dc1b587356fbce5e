"""What a load of a file was asked to do, checked before the file is opened (as NHSRplotthedots checks its options
before its first step), and carried through the steps that need it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from analysis import store
from analysis.errors import StocktakeError
from analysis.roles import KINDS

REPLACE = "replace"
APPEND = "append"

Progress = Callable[[float, str], None]  # (fraction done, what is being done), for a progress bar


@dataclass(frozen=True)
class LoadRequest:
    """The dataset a file goes to and how (see ``ingest.load_file`` for each option)."""

    dataset: str
    kind: str = "records"
    mode: str = REPLACE
    types: dict[str, str] = field(default_factory=dict)  # column -> type, overriding what was detected
    roles: dict[str, str | None] | None = None  # column -> role; None: the suggested ones
    date_order: str | None = None
    unify_case: bool | Sequence[str] = False
    accept_rejects: bool = False
    single_years_only: bool = False
    drop_duplicates: bool = False
    reshape: bool = True

    @property
    def forced(self) -> set[str]:
        """Columns whose type the user chose: kept as chosen whatever the rows show."""
        return set(self.types)

    @property
    def roles_given(self) -> bool:
        return self.roles is not None


def checked_request(dataset: str, *, kind: str, mode: str, types: dict[str, str] | None, **options) -> LoadRequest:
    """The request with its dataset name, kind and mode checked; a wrong one gets one plain sentence."""
    dataset = store.validate_dataset_name(dataset)
    if kind not in KINDS:
        raise StocktakeError(f"'{kind}' is not a dataset kind: use one of {', '.join(KINDS)}.")
    if mode not in (REPLACE, APPEND):
        raise StocktakeError(f"'{mode}' is not a load mode: use replace or append.")
    return LoadRequest(dataset, kind, mode, dict(types or {}), **options)
