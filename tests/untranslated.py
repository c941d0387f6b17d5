"""Finding interface text that does not go through the catalogues (fedcop.i18n).

template_leftovers(source)   visible words of a Jinja template outside `_()` and
                             `{% trans %}`: text between tags, the text of attributes a
                             reader sees or hears (aria-label, alt, title, placeholder),
                             and sentence-like string literals not handed to `_()`
python_leftovers(source)     string literals a web module hands to a page as its text:
                             notices (`done`), refusals and errors (`refused`,
                             `not_found`, `error=`, `saved=`, `message=`, `title=`), not
                             wrapped in `_()`
"""

from __future__ import annotations

import ast
import html
import re

from jinja2 import Environment

_LEXER = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])  # only to lex
# Stands for an expression's value in the text: it is data, never a word to translate.
_VALUE = "\x00"
_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)
_SPOKEN_ATTRIBUTE = re.compile(
    r"""\b(aria-label|alt|title|placeholder)\s*=\s*("[^"]*"|'[^']*')""", re.IGNORECASE
)
_WORD = re.compile(r"[^\W\d_]{2,}")
_IDENTIFIER = re.compile(r"[a-z0-9_.-]+")  # a state or kind ("follow_request"), not text
_FORMAT_CODE = re.compile(r"%-?[A-Za-z]")
_GETTEXT = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
# Statements whose strings name templates, blocks or values, never text.
_NAMING_STATEMENTS = {"extends", "include", "import", "from", "block", "call", "macro"}


_ADDRESS = re.compile(r"\S*[/@]\S*")  # paths, addresses and handles are not words to translate


def _words(text: str) -> list[str]:
    return _WORD.findall(_ADDRESS.sub(" ", html.unescape(text)))


def _sentence_like(literal: str) -> bool:
    """A string literal in an expression that reads as interface text ("Save", "Edit post"),
    not a value (a path, a state name such as "open", a date format)."""
    text = _FORMAT_CODE.sub("", literal)
    if "/" in text or text.endswith((".html", ".xml")) or _IDENTIFIER.fullmatch(text):
        return False
    words = _words(text)
    return bool(words) and (text.strip()[:1].isupper() or len(words) > 1)


def template_leftovers(source: str) -> list[str]:
    tokens = list(_LEXER.lex(source))
    text: list[str] = []
    found: list[str] = []
    in_trans = False
    statement: str | None = None  # the name of the {% %} statement being read
    previous: list[str] = []  # the last meaningful token values (to see `_(` before a string)
    inside_gettext: list[int] = []  # bracket depths at which a `_(`/`ngettext(` call opened
    depth = 0
    for _line, kind, value in tokens:
        if kind in {"whitespace", "comment_begin", "comment", "comment_end"}:
            continue
        if kind == "block_begin":
            statement = ""
        elif kind == "block_end":
            statement = None
        elif kind == "name" and statement == "":
            statement = value
            if value in {"trans", "pluralize"}:
                in_trans = True
            elif value == "endtrans":
                in_trans = False
        elif kind == "data":
            text.append(_VALUE if in_trans else value)
        elif kind == "variable_begin":
            text.append(_VALUE)
        elif kind == "operator" and value in "([{":
            depth += 1
            if value == "(" and previous and previous[-1] in _GETTEXT:
                inside_gettext.append(depth)
        elif kind == "operator" and value in ")]}":
            if inside_gettext and inside_gettext[-1] == depth:
                inside_gettext.pop()
            depth -= 1
        elif kind == "string" and statement not in _NAMING_STATEMENTS:
            literal = value[1:-1]
            wrapped = bool(inside_gettext)
            if not wrapped and not in_trans and _sentence_like(literal):
                found.append(f"string {value}")
        previous = [*previous, value][-3:]
    joined = "".join(text)
    for _name, quoted in _SPOKEN_ATTRIBUTE.findall(joined):
        if _words(quoted.replace(_VALUE, " ")):
            found.append(f"attribute {_name}={quoted}")
    visible = _TAG.sub(" ", joined).replace(_VALUE, " ")
    for chunk in re.split(r"\s{2,}|\n", visible):
        if _words(chunk):
            found.append(f"text {chunk.strip()!r}")
    return found


# Calls that put their string arguments (or these keywords) on a page as its text.
_PAGE_TEXT_CALLS = {"done", "refused", "not_found", "message_page"}
_PAGE_TEXT_KEYWORDS = {
    "title",
    "message",
    "saved",
    "error",
    "notice",
    "explanation",
    "heading",
    "consequence",
    "button",
}


def _is_text(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(_words(node.value))
    if isinstance(node, ast.JoinedStr):
        first = node.values[0] if node.values else None
        if isinstance(first, ast.Constant) and str(first.value).startswith("/"):
            return False  # an address here, built from its parts
        return any(_is_text(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.IfExp):
        return _is_text(node.body) or _is_text(node.orelse)
    return False


def python_leftovers(source: str) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        called = node.func.attr if isinstance(node.func, ast.Attribute) else None
        if isinstance(node.func, ast.Name):
            called = node.func.id
        if called in _GETTEXT:
            continue
        arguments = list(node.args) if called in _PAGE_TEXT_CALLS else []
        arguments += [k.value for k in node.keywords if k.arg in _PAGE_TEXT_KEYWORDS]
        for argument in arguments:
            if _is_text(argument):
                found.append(f"line {argument.lineno}: {ast.unparse(argument)[:80]}")
    return found


# Errors a person reads (ServiceError and Refused, shown by pages and the client API as
# `str(error)`) are written in the reader's language where they are made. Left in English:
# `Ignored` and other records kept for the node's operators, and programming errors.
_BINARY_TEXT = (ast.Add, ast.Mod)


def _is_error_text(node: ast.expr) -> bool:
    if isinstance(node, ast.BinOp) and isinstance(node.op, _BINARY_TEXT):
        return _is_error_text(node.left) or _is_error_text(node.right)
    return _is_text(node)


def service_leftovers(source: str, error_names: set[str]) -> list[str]:
    """Errors a person reads made with literal English text (not `_()`): calls of the classes
    named in `error_names` whose first argument or `message=` is text."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if called not in error_names:
            continue
        arguments = list(node.args[:1]) + [k.value for k in node.keywords if k.arg == "message"]
        for argument in arguments:
            if _is_error_text(argument):
                found.append(f"line {argument.lineno}: {ast.unparse(argument)[:80]}")
    return found


# Labels and sentences kept in module-level tables (a dict of notices by action, of file kinds
# by type...) are shown later: they are marked `N_()` where written and translated where shown.
# Keys, codes, patterns and policies ("default-src 'none'"), not text
_CODE_SIGNS = re.compile(r"[_/=<>{}\\^$|]|'[a-z-]+'|^[A-Z0-9 .-]+$|[a-z][A-Z]")


def _table_text(node: ast.expr, dict_value: bool) -> bool:
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return False
    text = node.value.strip()
    if not _words(text) or _CODE_SIGNS.search(text):
        return False
    # A capitalised dict value is a label shown ("Picture"); a lone lowercase word is more often
    # a value (a header's, a scope's) than text, so elsewhere only sentences count.
    return " " in text or text.endswith(".") or (dict_value and text[:1].isupper())


def table_leftovers(source: str) -> list[str]:
    """Text in module-level constants and tables not marked with `N_()` (or `_()`)."""
    found: list[str] = []
    for statement in ast.parse(source).body:
        if not isinstance(statement, (ast.Assign, ast.AnnAssign)) or statement.value is None:
            continue
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            continue
        stack: list[tuple[ast.AST, bool]] = [(statement.value, False)]
        while stack:
            node, dict_value = stack.pop()
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name) and func.id in {"N_", *_GETTEXT}:
                    continue
            if isinstance(node, ast.Constant):
                if _table_text(node, dict_value):
                    found.append(f"line {node.lineno}: {node.value!r}"[:90])
                continue
            if isinstance(node, ast.Dict):
                stack.extend((value, True) for value in node.values)
                continue
            stack.extend((child, dict_value) for child in ast.iter_child_nodes(node))
    return found
