"""Safe parsing of user-supplied functions of x into SymPy expressions.

A target function typed on the command line (``"sin(x) + x**2/4"``) must never reach
``eval``, ``exec`` or ``sympify``: those run arbitrary Python. This module reads the text
with :func:`ast.parse` and walks the tree through a whitelist, building SymPy objects
directly. Anything outside the whitelist is a one-line :class:`~symnet.exceptions.ParseError`.

Allowed: numbers, the variable ``x``, ``+ - * / **``, unary ``-``/``+``, parentheses, the
functions in :data:`FUNCTIONS` (one argument each), every elementwise activation of the
table :data:`symnet.graph.activations.ACTIVATIONS` (``gelu(x)``; read when an expression is
parsed, so a new row is a new function here), ``max`` and ``min`` of two arguments and the
constants ``pi`` and ``e``. NOTE: ``max(a, b)`` is SymPy's ``Max``, whose derivative at a
tie a = b is 1/2 for each argument (``Heaviside(0) = 1/2``), as ``torch.maximum`` splits it.

Limits are checked *before* anything costly: the length (:data:`MAX_LENGTH` characters)
before parsing, bracket depth (:data:`MAX_DEPTH`) before parsing, nesting depth while
walking, a numeric exponent's size (``|p| <= MAX_EXPONENT``) and the digits a constant
power would have before it is computed.

>>> parse_expression("2*sin(x)**2 + relu(x - 1/2)")
2*sin(x)**2 + ReLU(x - 1/2)
>>> parse_number("-pi/2")
-pi/2
>>> parse_expression("__import__('os')")
Traceback (most recent call last):
...
symnet.exceptions.ParseError: cannot use '__import__': allowed functions are sin, cos, ...
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Callable, Mapping, Sequence

import sympy as sp

from symnet.exceptions import ParseError
from symnet.graph.activations import ACTIVATIONS, ReLU, sigmoid

__all__ = [
    "FUNCTIONS",
    "BINARY_FUNCTIONS",
    "CONSTANTS",
    "functions",
    "MAX_LENGTH",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_DIGITS",
    "parse_expression",
    "parse_number",
    "parse_interval",
]

MAX_LENGTH = 1_000
MAX_DEPTH = 50
MAX_EXPONENT = 100
MAX_DIGITS = 1_000  # a constant may have at most this many decimal digits (numerator or power)

#: Function name -> SymPy function. ``ReLU`` is accepted as well as ``relu``.
FUNCTIONS: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
    "tanh": sp.tanh,
    "sigmoid": sigmoid,
    "relu": ReLU,
    "ReLU": ReLU,
}
CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "e": sp.E}
#: Functions of two arguments.
BINARY_FUNCTIONS: dict[str, Callable[[sp.Expr, sp.Expr], sp.Expr]] = {"max": sp.Max, "min": sp.Min}


def functions() -> dict[str, Callable[..., sp.Expr]]:
    """Every function an expression may call: :data:`FUNCTIONS`, the elementwise rows of the
    activation table (identity and vector activations such as softmax aside) and
    :data:`BINARY_FUNCTIONS`.

    >>> "max" in functions() and "sigmoid" in functions()
    True
    """
    table = {
        name: row.function
        for name, row in ACTIVATIONS.items()
        if not row.vector and name != "identity" and name.isidentifier()
    }
    return {**FUNCTIONS, **table, **FUNCTIONS, **BINARY_FUNCTIONS}


def _function_names() -> str:
    return ", ".join(name for name in functions() if name != "ReLU")


def _allowed() -> str:
    names = _function_names()
    return f"an expression uses numbers, names, + - * / **, parentheses, {names}, pi and e"


_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_NODE_WORDS = {
    ast.Attribute: "attribute access (a.b)",
    ast.Subscript: "a subscript (a[i])",
    ast.Lambda: "a lambda",
    ast.NamedExpr: "the walrus operator :=",
    ast.JoinedStr: "an f-string",
    ast.Compare: "a comparison",
    ast.BoolOp: "and/or",
    ast.IfExp: "if/else",
    ast.ListComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.keyword: "a keyword argument",
    ast.Starred: "a starred argument (*a)",
    ast.Tuple: "a tuple",
    ast.List: "a list",
    ast.Set: "a set",
    ast.Dict: "a dict",
    ast.Await: "await",
}


def _shown(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _reject(problem: str) -> ParseError:
    return ParseError(f"{problem}; {_allowed()}")


def _check_text(text: object) -> str:
    """Length, characters and bracket depth, all before :func:`ast.parse` sees the text."""
    if not isinstance(text, str):
        raise ParseError(f"an expression must be text such as 'sin(x)', got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ParseError(
            f"the expression has {len(text)} characters (limit {MAX_LENGTH}); write a shorter one"
        )
    if not text.strip():
        raise ParseError("the expression is empty; give a function of x such as 'sin(x)'")
    for position, char in enumerate(text):
        if not (" " <= char <= "~" or char in "\t\n\r"):
            # NOTE: ASCII only: Python folds look-alikes (fullwidth 'ｘ') to ASCII names.
            raise ParseError(
                f"character {char!r} at position {position} is not allowed; use plain ASCII"
            )
    depth = deepest = 0
    for char in text:
        depth += char in "([{"
        depth -= char in ")]}"
        deepest = max(deepest, depth)
    if deepest > MAX_DEPTH:
        raise ParseError(
            f"brackets are nested {deepest} deep (limit {MAX_DEPTH}); simplify the expression"
        )
    return text.strip()  # a leading space would be an "unexpected indent"


def _syntax_tree(text: str) -> ast.Expression:
    try:
        with warnings.catch_warnings():  # e.g. "invalid decimal literal" for '1if': not for users
            warnings.simplefilter("ignore")
            tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        hint = "; use ** for powers" if "^" in text else ""
        problem = ParseError(f"cannot parse {_shown(text)}: {error.msg}{hint}")
        problem.column = error.offset  # from 1, as SyntaxError counts
        raise problem from None
    except (ValueError, RecursionError, MemoryError, OverflowError):
        raise ParseError(f"cannot parse {_shown(text)}: it is too complex") from None
    for node in ast.walk(tree):  # iterative: safe on any tree ast.parse returns
        if isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Name)):
            continue
        if isinstance(node, (ast.Constant, ast.Load, ast.operator, ast.unaryop)):
            continue
        word = _NODE_WORDS.get(type(node), type(node).__name__)
        raise _reject(f"{word} is not allowed in {_shown(text)}")
    return tree


def _sigmoid(v: float) -> float:
    return 1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v))


#: Function name -> its float version, used to size constants *before* SymPy sees them.
_FLOAT_FUNCTIONS: dict[str, Callable[..., float]] = {
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "abs": abs,
    "tanh": math.tanh,
    "sigmoid": _sigmoid,
    "relu": lambda v: max(v, 0.0),
    "ReLU": lambda v: max(v, 0.0),
    "max": max,
    "min": min,
}


def _float_function(name: str) -> Callable[..., float]:
    """The float version of function ``name``; an activation's is its SymPy value."""
    if name in _FLOAT_FUNCTIONS:
        return _FLOAT_FUNCTIONS[name]
    function = functions()[name]
    return lambda v: float(sp.N(function(sp.Float(v))))


def _checked_float(compute: Callable[[], float | complex], what: str) -> float:
    """Run a float computation; refuse a constant that is undefined, complex or too large."""
    try:
        value = compute()
    except (OverflowError, ZeroDivisionError, ValueError, TypeError):
        value = math.nan
    if isinstance(value, complex) or not math.isfinite(value):
        raise ParseError(
            f"the constant {_shown(what)} is undefined, not real or too large for a float; "
            "change the numbers"
        )
    return float(value)


def _check_digits(expr: sp.Expr) -> sp.Expr:
    """Refuse exact fractions with more than MAX_DIGITS digits (tiny constants can have them)."""
    for number in expr.atoms(sp.Rational):
        if max(number.p.bit_length(), number.q.bit_length()) * math.log10(2) > MAX_DIGITS:
            raise ParseError(f"a constant has more than {MAX_DIGITS} digits; use simpler numbers")
    return expr


# A built node: the SymPy expression and, when it is a constant, its float value.
_Node = tuple[sp.Expr, "float | None"]


class _Builder:
    """Walks a whitelisted tree and builds the SymPy expression, one node kind per method.

    NOTE: every constant is first computed in Python floats; SymPy gets a constant only
    once it is known to be a finite real float. SymPy's own numeric evaluation (used to
    decide signs, e.g. in ``Abs`` or ``ReLU``) can hang on constants such as
    ``exp(exp(exp(100)))``, so they must be refused before they are built.
    """

    def __init__(self, variables: Sequence[str] | Mapping[str, sp.Symbol], text: str):
        self.variables: Mapping[str, sp.Symbol] = (
            variables  # read only: a program's names, not copied for each statement
            if isinstance(variables, Mapping)
            else {name: sp.Symbol(name) for name in variables}
        )
        self.text = text
        self.functions = functions()

    def build(self, node: ast.AST, depth: int) -> _Node:
        """The node built, or a ``ParseError`` that knows the column of the innermost node."""
        try:
            return self.build_node(node, depth)
        except ParseError as error:
            if error.column is None and isinstance(node, ast.expr):
                error.column = node.col_offset + 1
            raise

    def build_node(self, node: ast.AST, depth: int) -> _Node:
        if depth > MAX_DEPTH:
            raise ParseError(f"the expression is nested more than {MAX_DEPTH} deep; simplify it")
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise _reject(f"the operator {type(node.op).__name__} is not allowed")
            value, approx = self.build(node.operand, depth + 1)
            if isinstance(node.op, ast.UAdd):
                return value, approx
            return -value, (None if approx is None else -approx)
        if isinstance(node, ast.BinOp):
            return self.binary(node, depth)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        raise _reject(f"{type(node).__name__} is not allowed")  # _syntax_tree lets none through

    def constant(self, node: ast.Constant) -> _Node:
        value = node.value
        # NOTE: bool is an int subclass; True/False are not numbers here.
        if type(value) is int:
            return sp.Integer(value), _checked_float(lambda: float(value), self.segment(node))
        if type(value) is float:
            return sp.Float(value), _checked_float(lambda: value, self.segment(node))
        raise _reject(f"the literal {_shown(repr(value))} is not a real number")

    def name(self, name: str) -> _Node:
        if name in self.variables:
            return self.variables[name], None
        if name in CONSTANTS:
            return CONSTANTS[name], float(CONSTANTS[name])
        known = ", ".join([*self.variables, *CONSTANTS]) or "none"
        if len(known) > 80:
            known = known[:80].rpartition(",")[0] + ", ..."
        error = _reject(f"unknown name {name!r} (names allowed here: {known})")
        error.unknown = name
        raise error

    def segment(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.text, node) or type(node).__name__

    def binary(self, node: ast.BinOp, depth: int) -> _Node:
        if type(node.op) not in _BINARY:
            hint = " (use ** for powers)" if isinstance(node.op, ast.BitXor) else ""
            raise _reject(f"the operator {type(node.op).__name__}{hint} is not allowed")
        if isinstance(node.op, ast.Pow):
            return self.power(node, depth)
        # A chain a + b - c + ... (or a * b / c ...) is flattened iteratively, so a long sum
        # is not a deep nesting and never recurses once per term.
        adding = isinstance(node.op, (ast.Add, ast.Sub))
        family = (ast.Add, ast.Sub) if adding else (ast.Mult, ast.Div)
        left: ast.expr = node
        operands: list[tuple[type[ast.operator], ast.expr]] = []
        while isinstance(left, ast.BinOp) and isinstance(left.op, family):
            operands.append((type(left.op), left.right))
            left = left.left
        parts: list[tuple[type[ast.operator], sp.Expr, float | None]]
        parts = [(ast.Add, *self.build(left, depth + 1))]
        parts += [(op, *self.build(right, depth + 1)) for op, right in reversed(operands)]
        approx = None
        if all(a is not None for _, _, a in parts):
            approx = _checked_float(lambda: _fold(parts, adding), self.segment(node))
        if adding:
            terms = [v if op is ast.Add else -v for op, v, _ in parts]
            return _check_digits(sp.Add(*terms)), approx
        factors = [v if op in (ast.Add, ast.Mult) else 1 / v for op, v, _ in parts]
        return _check_digits(sp.Mul(*factors)), approx

    def power(self, node: ast.BinOp, depth: int) -> _Node:
        base, base_approx = self.build(node.left, depth + 1)
        exponent, exponent_approx = self.build(node.right, depth + 1)
        if exponent_approx is not None:
            if abs(exponent_approx) > MAX_EXPONENT:
                raise ParseError(
                    f"the exponent {_shown(self.segment(node.right))} is too large "
                    f"(|exponent| <= {MAX_EXPONENT}); use a smaller power"
                )
            if base.is_Rational:
                digits = max(base.p.bit_length(), base.q.bit_length()) * math.log10(2)
                if digits * abs(exponent_approx) > MAX_DIGITS:
                    raise ParseError(
                        f"{_shown(self.segment(node))} would have more than {MAX_DIGITS} "
                        "digits; use simpler numbers"
                    )
        approx = None
        if base_approx is not None and exponent_approx is not None:
            approx = _checked_float(lambda: base_approx**exponent_approx, self.segment(node))
        return _check_digits(base**exponent), approx

    def call(self, node: ast.Call, depth: int) -> _Node:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name is None or name not in self.functions:
            shown = name if name is not None else type(node.func).__name__
            raise ParseError(f"cannot use {shown!r}: allowed functions are {_function_names()}")
        count = 2 if name in BINARY_FUNCTIONS else 1
        if (
            node.keywords
            or len(node.args) != count
            or any(isinstance(a, ast.Starred) for a in node.args)
        ):
            example = f"{name}(x, 0)" if count == 2 else f"{name}(x)"
            words = "two arguments" if count == 2 else "one argument"
            raise ParseError(f"{name}() takes exactly {words}, e.g. {example}")
        built = [self.build(a, depth + 1) for a in node.args]
        approx = None
        if all(a is not None for _, a in built):
            function, inner = _float_function(name), [a for _, a in built]
            approx = _checked_float(lambda: function(*inner), self.segment(node))
        return self.functions[name](*(value for value, _ in built)), approx


def _fold(parts: list, adding: bool) -> float:
    """The float value of a flattened chain ``[(op, expr, float), ...]``."""
    total = 0.0 if adding else 1.0
    for op, _, value in parts:
        if op is ast.Sub:
            total -= value
        elif op is ast.Div:
            total /= value
        elif adding:
            total += value
        else:
            total *= value
    return total


def parse_expression(
    text: str, variables: Sequence[str] | Mapping[str, sp.Symbol] = ("x",)
) -> sp.Expr:
    """Parse ``text`` into a SymPy expression in ``variables`` through the whitelist.

    Parameters
    ----------
    text : str
        E.g. ``"sin(x)"``, ``"x**2 - 1/3"``, ``"relu(x) - relu(x - 1)"``.
    variables : sequence of str, or mapping name -> Symbol
        The names allowed as variables (default ``("x",)``; ``()`` for a constant); a
        mapping gives the symbol each name stands for.

    Returns
    -------
    sympy.Expr
        Real and finite wherever it is constant (``1/0`` and ``sqrt(-1)`` are refused).

    Raises
    ------
    ParseError
        One line naming what was refused and what is allowed.

    >>> parse_expression("x^2")
    Traceback (most recent call last):
    ...
    symnet.exceptions.ParseError: the operator BitXor (use ** for powers) is not allowed; ...
    """
    return _parse(text, variables)[0]


def _parse(text: str, variables: Sequence[str] | Mapping[str, sp.Symbol]) -> _Node:
    tree = _syntax_tree(_check_text(text))
    try:
        expr, approx = _Builder(variables, text).build(tree.body, depth=1)
    except (RecursionError, MemoryError, OverflowError, ZeroDivisionError):
        raise ParseError(f"cannot parse {_shown(text)}: it is too complex") from None
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ParseError(f"{_shown(text)} is undefined (a division by zero or log(0))")
    if expr.has(sp.I):
        raise ParseError(f"{_shown(text)} is not real (e.g. the square root of a negative number)")
    return expr, approx


def parse_number(text: str) -> sp.Expr:
    """A real constant such as ``"3.5"``, ``"-pi"`` or ``"2*pi/3"``, kept exact.

    It is also a finite float: ``float(parse_number(text))`` always works.

    >>> parse_number("1/3"), float(parse_number("-pi"))
    (1/3, -3.141592653589793)
    >>> parse_number("x")
    Traceback (most recent call last):
    ...
    symnet.exceptions.ParseError: unknown name 'x' (names allowed here: pi, e); ...
    """
    return _parse(text, variables=())[0]


def parse_interval(text: str) -> tuple[sp.Expr, sp.Expr]:
    """``"A,B"`` -> (A, B) with A < B, each end read by :func:`parse_number`.

    >>> parse_interval("-pi, pi")
    (-pi, pi)
    """
    if not isinstance(text, str) or text.count(",") != 1:
        raise ParseError(f"an interval is 'A,B' such as '-pi,pi' or '0,1'; got {_shown(str(text))}")
    low, high = (parse_number(part) for part in text.split(","))
    if not float(low) < float(high):
        raise ParseError(f"the interval {_shown(text)} is empty; its start must be below its end")
    return low, high
