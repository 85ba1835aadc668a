"""The normaliser and the danger-signal pattern language, on small inputs written here."""

from __future__ import annotations

import pytest

from api.content.model import Problem
from api.content.yamlutil import load_yaml
from api.language.data import Vocabulary
from api.language.files import check_signals, parse_signals
from api.language.normalise import Normaliser, words_of
from api.language.signals import KINDS, expand, recogniser_for


@pytest.fixture(scope="module")
def real(corpus):
    return recogniser_for(corpus.language)


@pytest.mark.parametrize(
    "typed,read",
    [
        ("Don't", "do not"),
        ("dont", "do not"),
        ("he's", "he is"),
        ("hes", "he is"),
        ("he'll", "he will"),
        ("my ex's car", "my ex car"),
        ("sooo scared", "so scared"),
        ("scaaared", "scared"),
        ("my bf", "my boyfriend"),
        ("w/ him rn", "with him right now"),
        ("b/c", "because"),
        ("colour", "color"),
        ("apologised", "apologized"),
        ("strangeled", "strangled"),
        ("thretened", "threatened"),
        ("stalkng", "stalking"),
        ("chocked", "choked"),
        ("boyfrend", "boyfriend"),
        ("chokin", "choking"),
        ("my 8yo", "my 8 year old"),
        ("r*ped", "raped"),
        ("kms", "kill myself"),
        ("HE CHOKED ME", "he choked me"),
        # ordinary words are never "corrected" into danger words
        ("thread treat chose stale", "thread treat chose stale"),
        ("airtag life360", "airtag life360"),
    ],
)
def test_normaliser(real, typed: str, read: str) -> None:
    assert real.normaliser.normalise(typed) == read


def test_token_places_point_into_the_text_as_typed(real) -> None:
    text = "ok so he's   CHOKED me"
    token = next(t for t in real.normaliser.tokens(text) if t.norm == "choked")
    assert text[token.start : token.end] == "CHOKED"
    assert [w for w, _, _ in words_of("can't won't")] == ["cant", "wont"]


def test_normaliser_without_a_lexicon_corrects_nothing() -> None:
    plain = Normaliser(Vocabulary())
    assert plain.normalise("strangeled") == "strangeled"


SIGNALS = """
sets:
  neck: [neck, throat]
unless:
  - hit me up
kinds:
  strangulation:
    level: urgent
    label: Strangulation
    patterns:
      - choke me
      - hand|hands ...3 @neck
      - (pinned|held) me ...6 by [my|the] @neck
    examples:
      - he choked me
  physical_violence:
    level: urgent
    label: Violence
    patterns:
      - =hit me
      - punch*
    unless:
      - punch* above
"""


def _signals(text: str = SIGNALS):
    data, lines = load_yaml(text)
    problems: list[Problem] = []
    return parse_signals(data, lines, "signals.yaml", problems), problems


def _kinds(text: str, signals) -> list[str]:
    from api.language.signals import Recogniser

    return [f.kind for f in Recogniser(Vocabulary(), signals).recognise(text)]


def test_pattern_language() -> None:
    signals, problems = _signals()
    assert problems == []
    assert _kinds("he choked me", signals) == ["strangulation"]  # a word in another form
    assert _kinds("choking me", signals) == ["strangulation"]
    assert _kinds("his hands went round my throat", signals) == ["strangulation"]  # a window and a set
    assert _kinds("his hands were on the table and then round my neck", signals) == []  # outside the window
    assert _kinds("pinned me against the wall by my throat", signals) == ["strangulation"]
    assert _kinds("held me up by the neck", signals) == ["strangulation"]  # the optional word
    assert _kinds("he hit me", signals) == ["physical_violence"]
    assert _kinds("he hits me", signals) == []  # =hit is that form only
    assert _kinds("he punched me", signals) == ["physical_violence"]  # a prefix
    assert _kinds("he hit me up last night", signals) == []  # excused everywhere
    assert _kinds("he punched above his weight", signals) == []  # excused for its kind
    # No negation: a denial next to a signal still signals.
    assert _kinds("he didnt hit me but he punched the wall", signals) == ["physical_violence"]


def test_groups_expand_phrases_and_keep_single_words_together() -> None:
    assert expand("a (b c|d|e) f") == ["a d|e f", "a b c f"]
    assert expand("(|my) neck") == ["my neck", "neck"]


@pytest.mark.parametrize(
    "pattern,reason",
    [
        ("[my] neck", "may not be optional"),
        ("... neck", "may not start with '...'"),
        ("neck ...", "may not end with '...'"),
        ("neck ... ... throat", "two '...' in a row"),
        ("neck ...11 throat", "a window must be 1 to 10"),
        ("@nope neck", "unknown set '@nope'"),
        ("(neck|throat", "unbalanced parentheses"),
        ("[neck", "unbalanced brackets"),
        ("neck||throat", "an empty alternative"),
        ("!!!", "can never match"),
        ("rn", "is read as 'right now'"),
    ],
)
def test_a_pattern_that_can_never_match_is_reported_with_its_line(pattern: str, reason: str) -> None:
    text = SIGNALS.replace("      - choke me\n", f"      - choke me\n      - '{pattern}'\n")
    signals, problems = _signals(text)
    assert problems == []
    found = check_signals(Vocabulary((("rn", "right now"),)), signals, "signals.yaml")
    mine = [p for p in found if reason in p.reason]
    assert mine, found
    assert mine[0].line == 12 and mine[0].field == "kinds.strangulation" and mine[0].severity == "error"


def test_file_level_problems() -> None:
    text = SIGNALS.replace("  physical_violence:", "  hitting:").replace(
        "level: urgent\n    label: Strangulation", "level: high\n    label: Strangulation"
    )
    _, problems = _signals(text)
    assert [(p.line, p.field) for p in problems] == [(8, "kinds.strangulation.level"), (16, "kinds.hitting")]
    assert "unknown kind" in problems[1].reason
    signals, problems = _signals()
    missing = [p for p in check_signals(Vocabulary(), signals, "signals.yaml") if "missing" in p.reason]
    assert {p.field for p in missing} == {f"kinds.{k}" for k in KINDS} - {
        "kinds.strangulation",
        "kinds.physical_violence",
    }


def test_an_example_that_is_not_recognised_is_an_error() -> None:
    signals, _ = _signals(SIGNALS.replace("      - he choked me\n", "      - he squeezed my windpipe\n"))
    bad = [p for p in check_signals(Vocabulary(), signals, "signals.yaml") if p.field.endswith("examples")]
    assert len(bad) == 1 and bad[0].line == 15 and "not recognised as strangulation" in bad[0].reason


def test_each_kind_has_a_level_and_label_and_every_example_passes(corpus) -> None:
    signals = corpus.language.signals
    assert [k.id for k in signals.kinds] == list(KINDS)
    assert all(k.level in ("urgent", "concern") and k.label and k.examples for k in signals.kinds)
    assert check_signals(corpus.language.vocabulary, signals, "signals.yaml") == []


def test_the_classifier_recognises_phrasings_like_its_examples() -> None:
    from api.language.classifier import Classifier

    plain = Normaliser(Vocabulary())
    phrasings = [
        ("he took my passport and my bank card", "economic_abuse"),
        ("she keeps my wages and my card", "economic_abuse"),
        ("he hides my passport", "economic_abuse"),
        ("lost my passport on holiday lol", ""),
        ("renewing my passport", ""),
        ("the breakup was hard", ""),
    ]
    c = Classifier(plain, phrasings)
    kind, p, at = c.best(plain.tokens("my husband keeps my bank card")) or ("", 0.0, -1)
    assert kind == "economic_abuse" and p > 0.8
    assert plain.tokens("my husband keeps my bank card")[at].norm in {"keeps", "bank", "card"}
    assert c.best(plain.tokens("zzz qqq")) is None  # nothing it has seen
    kind, p, _ = c.best(plain.tokens("the breakup was hard")) or ("", 1.0, -1)
    assert p < 0.5
    assert not Classifier(plain, [("only danger here", "threats")])  # needs both classes to judge


def test_a_phrasing_with_an_unknown_kind_is_reported(content_dir) -> None:
    from api.content import load_corpus

    root = content_dir({"safety/phrasings/extra.yaml": 'danger:\n  - {kind: fear, text: "he scares me"}\n'})
    _corpus, problems = load_corpus(root)
    bad = [p for p in problems if p.file.endswith("extra.yaml")]
    assert [(p.line, p.field, p.severity) for p in bad] == [(2, "danger[0].kind", "error")]
    assert bad[0].reason.startswith("unknown kind 'fear'")


@pytest.mark.parametrize(
    "figure,danger",
    [
        # each figure of speech raised an urgent notice on a spent pattern-check set (session 31)
        ("I still miss him so much it physically hurts", "he hurt me physically"),
        ("I'm about two minutes away from telling him to forget it", "he's two minutes away and he's drunk"),
        ("I want to stop checking his phone before it wrecks us", "he said he'd crash the car and kill us"),
        ("he goes mental if im 10 mins late home", "i'm 14 and my stepdad hurts me"),
    ],
)
def test_narrow_figures_of_speech_do_not_signal_and_their_danger_still_does(real, figure: str, danger: str) -> None:
    assert [f.kind for f in real.recognise(figure) if f.level == "urgent"] == []
    assert any(f.level == "urgent" for f in real.recognise(danger))
