"""The SuiteQL subset the simulated account reads: a tokenizer and a recursive-descent parser into a tree.

    query     := SELECT item (',' item)* FROM name [alias] [WHERE condition] [ORDER BY order (',' order)*]
    item      := expr [[AS] alias]
    condition := conjunct (OR conjunct)*          conjunct := term (AND term)*
    term      := '(' condition ')' | expr op expr | expr [NOT] IN '(' expr (',' expr)* ')'
               | expr IS [NOT] NULL
    expr      := string | number | NULL | name '(' expr (',' expr)* ')' | name ['.' name]
    order     := expr [ASC | DESC]

Names and keywords are case-insensitive; names are kept in lower case, as SuiteQL answers them.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>\d+(?:\.\d+)?)|(?P<op><>|!=|<=|>=|=|<|>)"
    r"|(?P<punct>[(),.*-])|(?P<name>[A-Za-z_][A-Za-z0-9_$]*))"
)
_KEYWORDS = frozenset(
    {"select", "from", "where", "and", "or", "not", "in", "is", "null", "order", "by", "asc", "desc", "as"}
)


class SuiteQLSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Token:
    kind: str  # string, number, op, punct, name, keyword, end
    text: str


@dataclass(frozen=True)
class Literal:
    value: str | int | Decimal | None


@dataclass(frozen=True)
class Column:
    qualifier: str | None
    name: str


@dataclass(frozen=True)
class Call:
    function: str
    arguments: tuple["Expr", ...]


Expr = Literal | Column | Call


@dataclass(frozen=True)
class Compare:
    left: Expr
    op: str
    right: Expr


@dataclass(frozen=True)
class InList:
    expr: Expr
    values: tuple[Expr, ...]
    negated: bool


@dataclass(frozen=True)
class IsNull:
    expr: Expr
    negated: bool


@dataclass(frozen=True)
class And:
    terms: tuple["Condition", ...]


@dataclass(frozen=True)
class Or:
    terms: tuple["Condition", ...]


Condition = Compare | InList | IsNull | And | Or


@dataclass(frozen=True)
class SelectItem:
    expr: Expr
    alias: str | None


@dataclass(frozen=True)
class OrderItem:
    expr: Expr
    descending: bool


@dataclass(frozen=True)
class Query:
    items: tuple[SelectItem, ...]
    table: str
    alias: str | None
    where: Condition | None
    order: tuple[OrderItem, ...]


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while text[position:].strip():
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            snippet = text[position:].strip()[:20]
            raise SuiteQLSyntaxError(f"Invalid or unsupported search: unexpected text near '{snippet}'.")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "name" and value.lower() in _KEYWORDS:
            kind, value = "keyword", value.lower()
        elif kind == "name":
            value = value.lower()
        tokens.append(Token(kind, value))
        position = match.end()
    tokens.append(Token("end", ""))
    return tokens


def parse(text: str) -> Query:
    return _Parser(tokenize(text)).query()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.position = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.position]

    def _advance(self) -> Token:
        token = self.current
        self.position += 1
        return token

    def _accept(self, kind: str, text: str | None = None) -> Token | None:
        token = self.current
        if token.kind == kind and (text is None or token.text == text):
            return self._advance()
        return None

    def _expect(self, kind: str, text: str | None = None) -> Token:
        token = self._accept(kind, text)
        if token is None:
            found = self.current.text or "the end of the query"
            raise SuiteQLSyntaxError(f"Invalid or unsupported search: expected {text or kind}, found '{found}'.")
        return token

    def query(self) -> Query:
        self._expect("keyword", "select")
        items = [self._select_item()]
        while self._accept("punct", ","):
            items.append(self._select_item())
        self._expect("keyword", "from")
        table = self._expect("name").text
        alias = self._accept("name")
        where = self._condition() if self._accept("keyword", "where") else None
        order: list[OrderItem] = []
        if self._accept("keyword", "order"):
            self._expect("keyword", "by")
            order.append(self._order_item())
            while self._accept("punct", ","):
                order.append(self._order_item())
        self._expect("end")
        return Query(tuple(items), table, alias.text if alias else None, where, tuple(order))

    def _select_item(self) -> SelectItem:
        if self._accept("punct", "*"):
            raise SuiteQLSyntaxError("Invalid or unsupported search: this simulator does not serve SELECT *.")
        expr = self._expr()
        if self._accept("keyword", "as"):
            return SelectItem(expr, self._expect("name").text)
        alias = self._accept("name")
        return SelectItem(expr, alias.text if alias else None)

    def _order_item(self) -> OrderItem:
        expr = self._expr()
        if self._accept("keyword", "desc"):
            return OrderItem(expr, True)
        self._accept("keyword", "asc")
        return OrderItem(expr, False)

    def _condition(self) -> Condition:
        terms = [self._conjunct()]
        while self._accept("keyword", "or"):
            terms.append(self._conjunct())
        return terms[0] if len(terms) == 1 else Or(tuple(terms))

    def _conjunct(self) -> Condition:
        terms = [self._term()]
        while self._accept("keyword", "and"):
            terms.append(self._term())
        return terms[0] if len(terms) == 1 else And(tuple(terms))

    def _term(self) -> Condition:
        if self._accept("punct", "("):
            inner = self._condition()
            self._expect("punct", ")")
            return inner
        expr = self._expr()
        if self._accept("keyword", "is"):
            negated = self._accept("keyword", "not") is not None
            self._expect("keyword", "null")
            return IsNull(expr, negated)
        negated = self._accept("keyword", "not") is not None
        if negated or self.current == Token("keyword", "in"):
            self._expect("keyword", "in")
            self._expect("punct", "(")
            values = [self._expr()]
            while self._accept("punct", ","):
                values.append(self._expr())
            self._expect("punct", ")")
            return InList(expr, tuple(values), negated)
        op = self._expect("op").text
        return Compare(expr, "<>" if op == "!=" else op, self._expr())

    def _expr(self) -> Expr:
        token = self.current
        if token.kind == "string":
            self._advance()
            return Literal(token.text[1:-1].replace("''", "'"))
        if token.kind == "number" or (token.kind == "punct" and token.text == "-"):
            return self._number()
        if self._accept("keyword", "null"):
            return Literal(None)
        name = self._expect("name").text
        if self._accept("punct", "("):
            arguments = [self._expr()]
            while self._accept("punct", ","):
                arguments.append(self._expr())
            self._expect("punct", ")")
            return Call(name, tuple(arguments))
        if self._accept("punct", "."):
            return Column(name, self._expect("name").text)
        return Column(None, name)

    def _number(self) -> Literal:
        sign = -1 if self._accept("punct", "-") else 1
        text = self._expect("number").text
        return Literal(sign * (Decimal(text) if "." in text else int(text)))
