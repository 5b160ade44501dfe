"""Parsing and checking the codebook document (``data/codebook.yml``).

:func:`parse_document` turns the YAML document into :class:`Variable` and
:class:`Group` records and checks the codebook itself: unknown or missing
keys, duplicate names, codes and missing codes, the rules of each variable
type, derivation rules, ``asked_if`` expressions that refer to unknown,
derived or circular variables. It collects every problem and raises one
:class:`CodebookError` listing them all, one per line, each naming the
variable or group concerned.

:func:`scsrepro.data.codebook.load_codebook` and
:func:`~scsrepro.data.codebook.parse_codebook` are the usual entry points.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scsrepro.data.expressions import ALWAYS, branching_order_from, expression_names
from scsrepro.data.variables import CODED_TYPES, VARIABLE_TYPES, Group, Variable

__all__ = ["CodebookError", "parse_document"]

_TOP_KEYS_REQUIRED = {"codebook_version", "missing_reasons", "groups", "variables"}
_TOP_KEYS_OPTIONAL = {"title", "paper", "n_respondents_published"}
_VAR_KEYS_REQUIRED = {"name", "label", "type"}
_VAR_KEYS_OPTIONAL = {
    "question_en",
    "question_zh",
    "codes",
    "codes_zh",
    "missing_codes",
    "asked_if",
    "group",
    "min",
    "max",
    "required",
    "derived_from",
    "derivation",
    "sources",
    "notes",
}
_GROUP_KEYS_REQUIRED = {"label", "asked_if", "min_selected", "exclusive"}
_GROUP_KEYS_OPTIONAL = {"question_en", "sources", "notes"}
_DERIVATION_KEYS = {
    "bins": ({"method", "source", "bins"}, set()),
    "recode": ({"method", "source", "mapping"}, set()),
    "condition": ({"method", "expr"}, set()),
    "any_selected": ({"method", "options"}, {"rna_option"}),
}


class CodebookError(ValueError):
    """The codebook file itself is malformed or inconsistent.

    The message names the codebook file and lists every problem found, one
    per line, each naming the variable or group concerned.
    """


def parse_document(raw: Any, source: str) -> tuple[list[Variable], dict[str, Group], dict[str, Any]]:
    """Parse and check an already-read codebook document.

    Parameters
    ----------
    raw : dict
        The YAML document.
    source : str
        Name used in error messages.

    Returns
    -------
    (list of Variable, dict of str to Group, dict)
        The variables in codebook order (options carrying their group's
        ``asked_if``), the multi-select groups, and the other top-level
        entries (``codebook_version``, ``missing_reasons``, ...).

    Raises
    ------
    CodebookError
        Listing every problem found.
    """
    errors: list[str] = []
    if not isinstance(raw, dict):
        raise CodebookError(f"codebook {source}: the top level must be a mapping")
    _check_keys(raw, _TOP_KEYS_REQUIRED, _TOP_KEYS_OPTIONAL, "top level", errors)
    reasons = raw.get("missing_reasons") or {}
    if not isinstance(reasons, dict):
        errors.append("top level: 'missing_reasons' must be a mapping")
        reasons = {}
    variables = _parse_variables(raw.get("variables") or [], reasons, errors)
    groups_raw = raw.get("groups") or {}
    if not isinstance(groups_raw, dict):
        errors.append("top level: 'groups' must be a mapping")
        groups_raw = {}
    groups = _parse_groups(groups_raw, variables, errors)
    # options inherit the group's asked_if
    variables = [_with_group_condition(v, groups) if v.type == "multiselect_option" else v for v in variables]
    _check_cross_references(variables, groups, errors)
    if errors:
        raise CodebookError(
            f"codebook {source} has {len(errors)} problem(s):\n" + "\n".join(f"  - {e}" for e in errors)
        )
    return variables, groups, {k: raw[k] for k in raw if k not in ("variables", "groups")}


def _parse_variables(entries: Any, reasons: dict, errors: list[str]) -> list[Variable]:
    if not isinstance(entries, list):
        errors.append("top level: 'variables' must be a list")
        entries = []
    variables: list[Variable] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries, start=1):
        var = _parse_variable(entry, i, reasons, errors)
        if var is None:
            continue
        if var.name in seen:
            errors.append(f"variable {var.name!r}: duplicate name (entry {i})")
            continue
        seen.add(var.name)
        variables.append(var)
    return variables


def _check_keys(entry: dict, required: set, optional: set, where: str, errors: list[str]) -> None:
    unknown = sorted(set(entry) - required - optional)
    if unknown:
        errors.append(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}")
    absent = sorted(required - set(entry))
    if absent:
        errors.append(f"{where}: missing key(s) {', '.join(map(repr, absent))}")


def _int_keyed(mapping: Any, where: str, what: str, errors: list[str]) -> dict[int, Any]:
    if mapping is None:
        return {}
    if not isinstance(mapping, dict):
        errors.append(f"{where}: {what!r} must be a mapping of integer codes")
        return {}
    out: dict[int, Any] = {}
    for k, v in mapping.items():
        if isinstance(k, bool) or not isinstance(k, int):
            errors.append(f"{where}: {what!r} has a non-integer code {k!r}")
            continue
        out[k] = v
    return out


# --------------------------------------------------------------- variables
def _parse_variable(entry: Any, index: int, reasons: dict, errors: list[str]) -> Variable | None:
    if not isinstance(entry, dict):
        errors.append(f"variables entry {index}: must be a mapping")
        return None
    name = entry.get("name")
    where = f"variable {name!r}" if isinstance(name, str) else f"variables entry {index}"
    _check_keys(entry, _VAR_KEYS_REQUIRED, _VAR_KEYS_OPTIONAL, where, errors)
    if not isinstance(name, str) or not name.isidentifier():
        errors.append(f"{where}: 'name' must be a valid identifier")
        return None
    vtype = entry.get("type")
    if vtype not in VARIABLE_TYPES:
        errors.append(f"{where}: type {vtype!r} is not one of {', '.join(VARIABLE_TYPES)}")
        return None
    codes, codes_zh, missing = _parse_codes(entry, vtype, reasons, where, errors)
    _check_group_membership(entry, vtype, missing, where, errors)
    lo, hi = _parse_range(entry, vtype, where, errors)
    required = _parse_required(entry, vtype, where, errors)
    derived_from, derivation = _parse_derivation(entry, vtype, codes, where, errors)
    sources = entry.get("sources") or []
    if not isinstance(sources, list):
        errors.append(f"{where}: 'sources' must be a list")
        sources = []
    asked_if = _parse_asked_if(entry, vtype, where, errors)
    return Variable(
        name=name,
        label=str(entry.get("label", "")),
        type=vtype,
        question_en=entry.get("question_en"),
        question_zh=entry.get("question_zh"),
        codes=codes,
        codes_zh=codes_zh,
        missing_reasons=missing,
        asked_if=asked_if,
        group=entry.get("group"),
        min=lo,
        max=hi,
        required=required,
        derived_from=tuple(derived_from),
        derivation=derivation,
        sources=tuple(str(s) for s in sources),
        notes=entry.get("notes"),
    )


def _parse_codes(
    entry: dict, vtype: str, reasons: dict, where: str, errors: list[str]
) -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
    """Return (codes, codes_zh, missing reasons), checked against each other and the type."""
    codes = _int_keyed(entry.get("codes"), where, "codes", errors)
    codes = {k: str(v) for k, v in sorted(codes.items())}
    codes_zh = {k: str(v) for k, v in _int_keyed(entry.get("codes_zh"), where, "codes_zh", errors).items()}
    missing = {k: str(v) for k, v in _int_keyed(entry.get("missing_codes"), where, "missing_codes", errors).items()}
    for code, reason in missing.items():
        if code not in codes:
            errors.append(f"{where}: missing code {code} is not one of its codes")
        if reason not in reasons:
            errors.append(
                f"{where}: missing code {code} has unknown reason {reason!r} (known: {', '.join(sorted(reasons))})"
            )
    for code in codes_zh:
        if code not in codes:
            errors.append(f"{where}: codes_zh has code {code} that is not one of its codes")
    if vtype in CODED_TYPES and not codes:
        errors.append(f"{where}: a {vtype} variable needs 'codes'")
    if vtype not in CODED_TYPES and codes:
        errors.append(f"{where}: a {vtype} variable must not have 'codes'")
    if vtype in ("binary", "multiselect_option"):
        substantive = {c for c in codes if c not in missing}
        if substantive != {0, 1}:
            errors.append(f"{where}: a {vtype} variable must have substantive codes 0 and 1")
    return codes, codes_zh, missing


def _check_group_membership(entry: dict, vtype: str, missing: dict[int, str], where: str, errors: list[str]) -> None:
    if vtype == "multiselect_option":
        if missing:
            errors.append(f"{where}: option columns cannot have missing codes")
        if not entry.get("group"):
            errors.append(f"{where}: a multiselect_option needs a 'group'")
        if "asked_if" in entry:
            errors.append(f"{where}: an option takes 'asked_if' from its group; remove it")
    elif entry.get("group"):
        errors.append(f"{where}: only multiselect_option variables belong to a group")


def _parse_range(entry: dict, vtype: str, where: str, errors: list[str]) -> tuple[Any, Any]:
    lo, hi = entry.get("min"), entry.get("max")
    if vtype == "integer":
        if not isinstance(lo, int) or not isinstance(hi, int) or lo > hi:
            errors.append(f"{where}: an integer variable needs integer 'min' <= 'max'")
    elif lo is not None or hi is not None:
        errors.append(f"{where}: only integer variables have 'min'/'max'")
    return lo, hi


def _parse_required(entry: dict, vtype: str, where: str, errors: list[str]) -> bool:
    required = entry.get("required", True)
    if not isinstance(required, bool):
        errors.append(f"{where}: 'required' must be true or false")
        required = True
    if required is False and vtype != "weight":
        errors.append(f"{where}: only the weight column may be optional")
    return required


def _parse_derivation(
    entry: dict, vtype: str, codes: dict[int, str], where: str, errors: list[str]
) -> tuple[list, Any]:
    """Return (derived_from, derivation rule) of a variable, checked."""
    derived_from = entry.get("derived_from") or []
    if not isinstance(derived_from, list):
        errors.append(f"{where}: 'derived_from' must be a list")
        derived_from = []
    derivation = entry.get("derivation")
    if bool(derived_from) != (derivation is not None):
        errors.append(f"{where}: 'derived_from' and 'derivation' go together")
    if derivation is not None:
        _check_derivation(derivation, codes, where, errors)
        if vtype in ("id", "weight", "multiselect_option"):
            errors.append(f"{where}: a {vtype} variable cannot be derived")
    return derived_from, derivation


def _parse_asked_if(entry: dict, vtype: str, where: str, errors: list[str]) -> str:
    asked_if = entry.get("asked_if", ALWAYS)
    if not isinstance(asked_if, str):
        errors.append(f"{where}: 'asked_if' must be a string")
        asked_if = ALWAYS
    else:
        try:
            expression_names(asked_if)
        except ValueError as exc:
            errors.append(f"{where}: asked_if {exc}")
    if vtype not in ("multiselect_option",) and "asked_if" not in entry:
        errors.append(f"{where}: missing key 'asked_if' (use 'always' if everyone was asked)")
    return asked_if


def _check_derivation(rule: Any, codes: dict[int, str], where: str, errors: list[str]) -> None:
    if not isinstance(rule, dict) or rule.get("method") not in _DERIVATION_KEYS:
        errors.append(f"{where}: 'derivation' needs a 'method' among {', '.join(_DERIVATION_KEYS)}")
        return
    required, optional = _DERIVATION_KEYS[rule["method"]]
    _check_keys(rule, required, optional, f"{where} derivation", errors)
    method = rule["method"]
    if method == "bins":
        bins = _int_keyed(rule.get("bins"), where, "bins", errors)
        for code, bounds in bins.items():
            if code not in codes:
                errors.append(f"{where}: bin code {code} is not one of its codes")
            if not (isinstance(bounds, list) and len(bounds) == 2 and bounds[0] <= bounds[1]):
                errors.append(f"{where}: bin {code} must be [low, high]")
        rule["bins"] = bins
    elif method == "recode":
        mapping = _int_keyed(rule.get("mapping"), where, "mapping", errors)
        for src, dst in mapping.items():
            if dst not in codes:
                errors.append(f"{where}: recode maps {src} to {dst}, which is not one of its codes")
        rule["mapping"] = mapping
    elif method == "condition":
        try:
            expression_names(str(rule.get("expr")))
        except ValueError as exc:
            errors.append(f"{where}: derivation {exc}")
    elif method == "any_selected":
        if not isinstance(rule.get("options"), list) or not rule.get("options"):
            errors.append(f"{where}: 'options' must be a non-empty list")


def _derivation_names(rule: Mapping[str, Any]) -> set[str]:
    method = rule["method"]
    if method in ("bins", "recode"):
        return {rule["source"]}
    if method == "condition":
        return expression_names(rule["expr"])
    names = set(rule["options"])
    if rule.get("rna_option"):
        names.add(rule["rna_option"])
    return names


# ------------------------------------------------------------------ groups
def _parse_groups(groups_raw: dict, variables: list[Variable], errors: list[str]) -> dict[str, Group]:
    groups: dict[str, Group] = {}
    for gname, g in groups_raw.items():
        where = f"group {gname!r}"
        if not isinstance(g, dict):
            errors.append(f"{where}: must be a mapping")
            continue
        _check_keys(g, _GROUP_KEYS_REQUIRED, _GROUP_KEYS_OPTIONAL, where, errors)
        options = tuple(v.name for v in variables if v.group == gname)
        if not options:
            errors.append(f"{where}: no variable belongs to this group")
        exclusive = g.get("exclusive") or []
        if not isinstance(exclusive, list):
            errors.append(f"{where}: 'exclusive' must be a list")
            exclusive = []
        for opt in exclusive:
            if opt not in options:
                errors.append(f"{where}: exclusive option {opt!r} is not an option of the group")
        min_sel = g.get("min_selected", 0)
        if not isinstance(min_sel, int) or isinstance(min_sel, bool) or not 0 <= min_sel <= len(options):
            errors.append(f"{where}: 'min_selected' must be an integer between 0 and the number of options")
            min_sel = 0
        asked_if = g.get("asked_if", ALWAYS)
        try:
            expression_names(str(asked_if))
        except ValueError as exc:
            errors.append(f"{where}: asked_if {exc}")
            asked_if = ALWAYS
        groups[gname] = Group(
            name=gname,
            label=str(g.get("label", "")),
            asked_if=str(asked_if),
            min_selected=min_sel,
            exclusive=tuple(exclusive),
            options=options,
            question_en=g.get("question_en"),
            sources=tuple(g.get("sources") or ()),
            notes=g.get("notes"),
        )
    for v in variables:
        if v.group and v.group not in groups_raw:
            errors.append(f"variable {v.name!r}: group {v.group!r} is not defined under 'groups'")
    return groups


def _with_group_condition(var: Variable, groups: dict[str, Group]) -> Variable:
    group = groups.get(var.group or "")
    if group is None:
        return var
    return Variable(**{**var.__dict__, "asked_if": group.asked_if})


# -------------------------------------------------------- cross-references
def _check_cross_references(variables: list[Variable], groups: dict[str, Group], errors: list[str]) -> None:
    by_name = {v.name: v for v in variables}
    raw_names = {v.name for v in variables if not v.is_derived}
    if sum(v.type == "id" for v in variables) != 1:
        errors.append("top level: exactly one variable of type 'id' is required")

    def check_expr(expr: str, where: str, own: set[str]) -> None:
        try:
            names = expression_names(expr)
        except ValueError:
            return  # already reported
        for n in sorted(names):
            if n not in by_name:
                errors.append(f"{where}: asked_if refers to unknown variable {n!r}")
            elif n not in raw_names:
                errors.append(f"{where}: asked_if refers to derived variable {n!r}; use raw variables")
            elif n in own:
                errors.append(f"{where}: asked_if refers to itself ({n!r})")

    for v in variables:
        if v.type != "multiselect_option":
            check_expr(v.asked_if, f"variable {v.name!r}", {v.name})
        if v.is_derived and v.derivation is not None and "method" in v.derivation:
            _check_derivation_references(v, v.derivation, by_name, raw_names, errors)
    for g in groups.values():
        check_expr(g.asked_if, f"group {g.name!r}", set(g.options))
    _check_branching_is_not_circular(variables, raw_names, errors)


def _check_derivation_references(
    v: Variable, rule: Mapping[str, Any], by_name: dict[str, Variable], raw_names: set[str], errors: list[str]
) -> None:
    for n in v.derived_from:
        if n not in by_name:
            errors.append(f"variable {v.name!r}: derived_from names unknown variable {n!r}")
        elif n not in raw_names:
            errors.append(f"variable {v.name!r}: derived_from names derived variable {n!r}; use raw variables")
    try:
        needed = _derivation_names(rule)
    except (KeyError, ValueError, TypeError):
        return
    missing = sorted(needed - set(v.derived_from))
    if missing:
        errors.append(
            f"variable {v.name!r}: derivation uses {', '.join(map(repr, missing))} not listed in derived_from"
        )
    if rule["method"] == "recode" and rule.get("source") in by_name:
        src = by_name[rule["source"]]
        uncovered = sorted(set(src.codes) - set(rule["mapping"]))
        if uncovered:
            errors.append(
                f"variable {v.name!r}: recode does not map code(s) {', '.join(map(str, uncovered))} of {src.name!r}"
            )


def _check_branching_is_not_circular(variables: list[Variable], raw_names: set[str], errors: list[str]) -> None:
    deps: dict[str, set[str]] = {}
    for v in variables:
        if v.is_derived:
            continue
        try:
            deps[v.name] = expression_names(v.asked_if) & raw_names
        except ValueError:
            deps[v.name] = set()
    try:
        branching_order_from(deps)
    except ValueError as exc:
        errors.append(f"top level: {exc}")
