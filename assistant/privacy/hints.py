"""What a regex needs in a text to match anywhere, read off the regex itself.

A recognizer whose every pattern needs a digit cannot match a text without one
("Wie beantrage ich einen Personalausweis?"), so it may skip the text: the hint is
derived from the parse tree, not guessed, and where in doubt it says "no need".
"""

from __future__ import annotations

import re
import re._constants as c
import re._parser as parser

DIGIT = re.compile(r"\d")
_REPEATS = (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT)


def needs_digit(regex: re.Pattern) -> bool:
    """Does every match of `regex` (or its lookaheads) contain a decimal digit?"""
    try:
        tree = parser.parse(regex.pattern, regex.flags)
    except re.error:  # syntax of another engine: no claim
        return False
    return _seq(tree)


def _seq(items) -> bool:
    # A sequence needs a digit if any one of its items does.
    return any(_item(op, av) for op, av in items)


def _item(op, av) -> bool:
    if op is c.LITERAL:
        return chr(av).isdecimal()
    if op is c.IN:
        return all(_digit_member(m_op, m_av) for m_op, m_av in av)
    if op is c.SUBPATTERN:
        return _seq(av[3])
    if op is c.ATOMIC_GROUP:
        return _seq(av)
    if op in _REPEATS:
        low, _, body = av
        return low >= 1 and _seq(body)
    if op is c.BRANCH:
        return all(_seq(alternative) for alternative in av[1])
    if op is c.ASSERT:  # a positive lookaround: the text around the match has it
        return _seq(av[1])
    return False  # negative lookarounds, anchors, "." and the rest need nothing


def _digit_member(op, av) -> bool:
    # Every member of a character set is a digit: "[0-9]", "[\d]", "[1-3]" (not "[\dO]").
    if op is c.LITERAL:
        return chr(av).isdecimal()
    if op is c.RANGE:
        return all(chr(x).isdecimal() for x in range(av[0], av[1] + 1))
    return op is c.CATEGORY and av is c.CATEGORY_DIGIT
