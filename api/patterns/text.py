"""The pattern check's words: tokens, stems and how much a reader's word can tell.

Shared by the analyzer (api/patterns/analyzer.py) and its index. Pure functions, no content.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from whoosh.lang.porter import stem as _porter

from api.language.normalise import english_counts

STOP_WORDS = frozenset(
    """
a about above after again all almost also am an and any are as at be because been before being below between
both but by can could did do does doing don done down during each even ever every few for from further get gets
got had has have having he her here hers herself him himself his how i i'm im i've ive i'd id i'll ill if in into is
it it's its itself just lol like literally me more most much my myself no nor not now of off on once only or other
our ours ourselves out over own really same she should so some such than that that's the their theirs them
themselves then there these they this those through to too u ur under until up us very was we were what when where
which while who whom why will with would you your yours yourself yourselves yeah ok okay idk tbh omg kinda sorta
gonna wanna one thing things something someone anything way still make made though although tho since without whether
dont don't cant can't wont won't didnt didn't doesnt doesn't isnt isn't wasnt wasn't arent aren't havent haven't
hasnt hasn't couldnt couldn't wouldnt wouldn't shouldnt shouldn't co
""".split()
)
# "co" of "co-parenting" only counts in its compound ("co_parent"), like "no" of "no contact".
# Note: "no", "not", "still" stay stop words for matching; phrases that need them live in the synonyms.

_BRITISH = re.compile(r"(?<=\w{4})is(e|ed|es|ing|ation|ations)$")  # apologise -> apologize, before stemming
_MODIFIERS = frozenset({"no", "low", "hot", "co", "self"})
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "`": "'"})

# How much a reader's own word can say, from how common it is in everyday English (pyspellchecker's
# counts, as the normaliser uses): with 18 guides, a guide-level idf cannot tell "though", "already"
# or "three" from "guilty" or "loop", and long situations are full of such words. A word's weight is
# scaled from 1 (rarer than about 1 in 20,000 words: "guilty", "text", "ex", "loop") down to
# PLAIN_FLOOR (commoner than about 1 in 400 words: "time", "want", "give"), on the log of its count.
PLAIN_RARE = 9.5  # log(all words / count) from which a word keeps its whole weight
PLAIN_COMMON = 6.0  # ... and under which it keeps only PLAIN_FLOOR of it
PLAIN_FLOOR = 0.2
# Counting words say how many, not what happened ("five hours", "two months"): they weigh as the
# commonest words do. (Ordinals and "once" are left: "first", "second text" are part of patterns.)
NUMBER_WORDS = frozenset("two three four five six seven eight nine ten eleven twelve twenty thirty hundred".split())


@lru_cache(maxsize=1)
def _english_total() -> int:
    return sum(english_counts().values())


@lru_cache(maxsize=65536)
def plainness(word: str) -> float:
    """A reader's word's weight factor: 1 for rare and unknown words, down to PLAIN_FLOOR."""
    if word in NUMBER_WORDS:
        return PLAIN_FLOOR
    count = english_counts().get(word.replace("'", ""), 0)
    if not count:
        return 1.0
    rarity = math.log(_english_total() / count)
    return max(PLAIN_FLOOR, min(1.0, (rarity - PLAIN_COMMON) / (PLAIN_RARE - PLAIN_COMMON)))


# Words the Porter stemmer folds into a word of another meaning: "careful" is not "cares", "awful"
# is not "aw". Each keeps its own stem.
_STEM_KEEP = {"careful": "careful", "carefully": "careful", "awful": "awful", "awfully": "awful"}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Porter stem, with British and American spellings folded together (apologise/apologize)."""
    word = word.replace("'", "")
    return _STEM_KEEP.get(word) or _porter(_BRITISH.sub(r"iz\1", word))


def normalise(text: str) -> str:
    return text.translate(_QUOTES).casefold()


def tokens(text: str) -> list[tuple[str, str]]:
    """(word, stem) for each content word of `text`, in order.

    "no contact", "low-contact", "hot and cold": a modifier and its word also make one compound
    term, because "no contact" means something neither "no" nor "contact" does.
    """
    out = []
    words = _WORD.findall(normalise(text).replace("-", " "))
    for i, w in enumerate(words):
        if w in _MODIFIERS and i + 1 < len(words) and words[i + 1] not in STOP_WORDS:
            out.append((f"{w} {words[i + 1]}", f"{w}_{stem(words[i + 1])}"))
        if w in STOP_WORDS or len(w) < 2 or w.isdigit():
            continue
        out.append((w, stem(w)))
    return out


def tokens_all(text: str) -> list[tuple[str, int]]:
    """Every word of `text` (stop words included, apostrophes dropped, hyphens as spaces), for phrases."""
    return [(w.replace("'", ""), i) for i, w in enumerate(_WORD.findall(normalise(text).replace("-", " ")))]


def stems(text: str) -> frozenset[str]:
    return frozenset(s for _, s in tokens(text))


def signal_key(text: str) -> str:
    """A signal's text as ticked signals are matched: spaces collapsed, no final full stop."""
    return " ".join(normalise(text).split()).rstrip(".")


def deletions(s: str) -> list[str]:
    # The first letter is kept: typos rarely start a word, and "scare" must not become "care".
    return [s[:i] + s[i + 1 :] for i in range(1, len(s))]


def unit_norm(n: int) -> float:
    # Longer units share more words by chance; sqrt keeps a long match worth more than a short one.
    return math.sqrt(max(n, 3))
