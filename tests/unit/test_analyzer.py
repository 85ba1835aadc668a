"""The pattern-check analyzer on the real guides: a judged set of situations, and its parts."""

from __future__ import annotations

from api.content import Corpus
from api.patterns import Analyzer, build_analyzer
from api.patterns.text import stem, tokens

_ANALYZERS: dict[str, Analyzer] = {}


def analyzer_for(corpus: Corpus) -> Analyzer:
    """One analyzer per corpus for these tests (the API keeps its own with the release)."""
    if corpus.version not in _ANALYZERS:
        _ANALYZERS[corpus.version] = build_analyzer(corpus)
    return _ANALYZERS[corpus.version]


def pattern_check(corpus: Corpus, situation: str, signals=(), guide=None, limit=5, region=None) -> dict:
    return analyzer_for(corpus).check(situation, signals, guide, limit, corpus, region)


# A judged set: situations written the way people write them (lower case, typos, run-on, no
# punctuation), never copied from a guide's signals, each with the guide that should come first.
# The third value marks the ones that signal danger and must get the safety notice.
JUDGED: list[tuple[str, str, bool]] = [
    (
        "he hasnt texted back in 6 hours and i literally cant focus on anything, i keep checking my phone every 2 min",
        "anxious-texting",
        False,
    ),
    (
        "sent him like 4 messages in a row bc he didnt answer the first one and now i feel so stupid",
        "anxious-texting",
        False,
    ),
    ("she takes forever to reply and my whole night is ruined every time", "anxious-texting", False),
    (
        "i look at her instagram every morning before i even get up. i know who shes following now",
        "checking-their-social-media",
        False,
    ),
    ("i keep lurking on his stories to see if he viewed mine", "checking-their-social-media", False),
    (
        "saw he was active 2 minutes ago and my stomach just dropped. why do i keep looking",
        "checking-their-social-media",
        False,
    ),
    ("i just need him to tell me WHY he ended it. i cant move on without an answer", "closure-without-them", False),
    (
        "ive written the same message asking her what went wrong like 20 times and never sent it",
        "closure-without-them",
        False,
    ),
    (
        "my ex keeps making new accounts to message me after i blocked him, im honestly scared",
        "ex-wont-stop-contacting-you",
        True,
    ),
    (
        "he keeps showing up at my work and my gym even though i told him to leave me alone",
        "ex-wont-stop-contacting-you",
        True,
    ),
    (
        "his mum and my friends keep passing on messages from him, i never asked for that",
        "ex-wont-stop-contacting-you",
        False,
    ),
    (
        "i was the one who left and im relieved but i also cry every night, is that normal",
        "grieving-a-relationship-that-hurt",
        False,
    ),
    ("everyone says good riddance so i dont tell anyone i still miss it", "grieving-a-relationship-that-hurt", False),
    (
        "one week hes all over me, then nothing for days, then he comes back like nothing happened",
        "hot-and-cold-relationships",
        False,
    ),
    ("mixed signals all the time. the moment he pulls away i want him more", "hot-and-cold-relationships", False),
    (
        "told my sister i cant lend her money again and now i feel like a horrible person",
        "how-to-set-boundaries-without-guilt",
        False,
    ),
    ("every time i say no to him i end up over-explaining until i cave", "how-to-set-boundaries-without-guilt", False),
    ("my boyfriend goes through my phone every night and wants all my passwords", "jealousy-and-phone-checking", False),
    (
        "she gets jealous every time i go out with friends and accuses me of cheating, "
        "i have to share my location 24/7",
        "jealousy-and-phone-checking",
        False,
    ),
    ("i want to leave him but im terrified of what hell do when he finds out", "leaving-safely", True),
    ("he said hed hurt himself if i leave and he controls all our money", "leaving-safely", True),
    (
        "every time we talk about the kids pickup it turns into a fight about our relationship",
        "low-contact-co-parenting",
        False,
    ),
    ("my ex uses our daughters school stuff to find out who im dating", "low-contact-co-parenting", False),
    ("i blocked him and i keep wanting to unblock him just to see if he still cares", "no-contact-rule", False),
    ("should i stop talking to my ex completely? every time we talk im back to square one", "no-contact-rule", False),
    (
        "weve broken up and gotten back together like 5 times now, its always the same fight",
        "on-again-off-again",
        False,
    ),
    (
        "this is our fourth breakup this year and honestly i already know well get back together",
        "on-again-off-again",
        False,
    ),
    (
        "i say sorry after every fight even when he started it, i just want everyone to be ok",
        "people-pleasing-in-love",
        False,
    ),
    (
        "i never say what i actually want, i just go along with whatever he wants so hes not annoyed",
        "people-pleasing-in-love",
        False,
    ),
    (
        "i have to ask permission to see my friends and he checks where i am all the time",
        "recognising-coercive-control",
        False,
    ),
    (
        "i dont recognise myself anymore, i used to be loud and fun and now im careful about everything",
        "recognising-coercive-control",
        False,
    ),
    (
        "we said wed stay friends but im basically still in love with him and pretending im fine",
        "staying-friends-with-an-ex",
        False,
    ),
    (
        "my ex wants to be friends and i said yes because i couldnt handle losing her completely",
        "staying-friends-with-an-ex",
        False,
    ),
    (
        "i cant stop thinking about our last fight, i replay it every night when im trying to sleep",
        "stop-replaying-the-breakup",
        False,
    ),
    (
        "i keep going over what i should have said, in the car, in the shower, everywhere",
        "stop-replaying-the-breakup",
        False,
    ),
    (
        "ive told him three times not to come over without asking and he still does it",
        "when-they-ignore-your-boundary",
        False,
    ),
    (
        "she says sorry, is sweet for a week then does the exact same thing again",
        "when-they-ignore-your-boundary",
        False,
    ),
    ("why do i miss him so much when he treated me like garbage", "why-do-i-miss-my-ex", False),
    (
        "i keep scrolling through our old chats and only remember the good stuff, like the bad never happened",
        "why-do-i-miss-my-ex",
        False,
    ),
    (
        "he pushed me against the wall last night and now hes acting like nothing happened. i want out",
        "leaving-safely",
        True,
    ),
    ("my ex keeps following me home and texting me threats", "ex-wont-stop-contacting-you", True),
    (
        "he reads all my messages and gets angry if i dont answer his calls right away, im kind of afraid of him",
        "jealousy-and-phone-checking",
        True,
    ),
]


def _ranks(corpus: Corpus) -> list[tuple[str, str, int | None, bool, list[str]]]:
    out = []
    for situation, expected, _danger in JUDGED:
        answer = pattern_check(corpus, situation, limit=10)
        slugs = [r["slug"] for r in answer["results"]]
        rank = slugs.index(expected) + 1 if expected in slugs else None
        out.append((situation, expected, rank, answer["safety"] is not None, slugs[:3]))
    return out


def test_judged_set_is_big_and_covers_danger(corpus: Corpus) -> None:
    assert len(JUDGED) >= 30
    assert sum(d for _, _, d in JUDGED) >= 5
    assert {e for _, e, _ in JUDGED} <= set(corpus.guides)
    signals = {s.casefold().rstrip(".") for g in corpus.guides.values() for s in g.signals}
    assert not [s for s, _, _ in JUDGED if s.casefold().rstrip(".") in signals]


def test_judged_set_figures(corpus: Corpus, capsys) -> None:
    """The judged set's figures, asserted and reported on one line (first, top 3, danger notices)."""
    ranks = _ranks(corpus)
    n = len(ranks)
    first = sum(r == 1 for _, _, r, _, _ in ranks)
    top3 = sum(r is not None and r <= 3 for _, _, r, _, _ in ranks)
    dangerous = sum(d for _, _, d in JUDGED)
    noticed = sum(hit for (_, _, d), (_, _, _, hit, _) in zip(JUDGED, ranks, strict=True) if d)
    with capsys.disabled():
        print(
            f"\njudged set: n={n} first={first}/{n} ({first / n:.0%}) top3={top3}/{n} ({top3 / n:.0%}) "
            f"danger notices={noticed}/{dangerous}"
        )
    misses = [(s, e, r, top) for s, e, r, _, top in ranks if r != 1]
    assert first / n >= 0.80, (first, misses)
    assert top3 / n >= 0.95, (top3, misses)
    assert noticed == dangerous


def test_danger_situations_get_the_safety_notice_first(corpus: Corpus) -> None:
    for situation, _, danger in JUDGED:
        if danger:
            answer = pattern_check(corpus, situation)
            assert list(answer)[0] == "safety"
            assert answer["safety"] is not None, situation
            assert answer["safety"]["resources"], situation


# -- the parts ------------------------------------------------------------------------------------
def test_tokens_drop_stop_words_and_stem() -> None:
    assert [s for _, s in tokens("I keep texting him")] == ["keep", "text"]
    assert stem("apologize") == stem("apologise")
    assert ("no contact", "no_contact") in tokens("no-contact")  # compound kept beside its parts


def test_synonyms_turn_how_people_talk_into_guide_words(corpus: Corpus) -> None:
    q = analyzer_for(corpus).query("he ghosted me and left me on read")
    assert stem("reply") in q.weights
    assert "ghosted" in q.words[stem("silence")]


def test_typo_is_corrected_to_a_guide_word_but_not_into_another_word(corpus: Corpus) -> None:
    a = analyzer_for(corpus)
    assert stem("jealousy") in a.query("my gf is so jelousy").weights
    assert stem("careful") not in a.query("i am scared").weights  # "scare" is not a typo of "care"


def test_same_words_same_answer(corpus: Corpus) -> None:
    text = "she takes ages to text back and i spiral"
    assert pattern_check(corpus, text) == pattern_check(corpus, text)


def test_results_explain_the_match(corpus: Corpus) -> None:
    text = "she takes forever to reply and my whole night is ruined every time"
    answer = pattern_check(corpus, text)
    top = answer["results"][0]
    assert top["slug"] == "anxious-texting" and top["rank"] == 1 and top["score"] > 0
    sig = next(s for s in top["matched_signals"] if s["signal"] == "A slow reply can ruin your whole evening.")
    assert sig["words"] and not sig["ticked"]
    assert all(w in text for w in sig["words"])  # the person's own words, not the guide's
    assert answer["safety"] is None and list(answer)[0] == "safety"


def test_ticked_signal_boosts_and_is_marked(corpus: Corpus) -> None:
    tick = "You plan conversations around their moods."
    plain = pattern_check(corpus, "things are hard at home")
    ticked = pattern_check(corpus, "things are hard at home", [tick])
    assert ticked["results"][0]["slug"] == "recognising-coercive-control"
    assert ticked["results"][0]["matched_signals"][0] == {
        "signal": tick,
        "words": ticked["results"][0]["matched_signals"][0]["words"],
        "ticked": True,
    }
    assert plain != ticked


def test_closest_next_read_follows_the_graph_and_the_condition(corpus: Corpus) -> None:
    missing = pattern_check(corpus, "i keep remembering only the good times with him", guide="no-contact-rule")
    guilt = pattern_check(corpus, "her silence makes me feel so guilty and mean", guide="no-contact-rule")
    assert missing["reading"]["closest_next_read"]["slug"] == "why-do-i-miss-my-ex"
    nxt = guilt["reading"]["closest_next_read"]
    assert nxt["slug"] == "how-to-set-boundaries-without-guilt"
    assert nxt["via"]["type"] == "read_next" and "disappointment or silence" in nxt["via"]["condition"]


def test_no_match_is_empty_not_an_error(corpus: Corpus) -> None:
    answer = pattern_check(corpus, "zzz qqq")
    assert answer["results"] == [] and answer["safety"] is None


def test_stemmer_false_friends_keep_their_own_stem() -> None:
    # Porter folds "careful" into "care": a reader asking whether someone still cares is not
    # describing the careful person of the coercive-control guide.
    assert stem("careful") != stem("cares") and stem("careful") == stem("carefully")
    assert stem("awful") != stem("aw")
    assert stem("caring") == stem("cares")  # ordinary stemming is unchanged


def test_though_is_a_function_word() -> None:
    assert [s for _, s in tokens("even though he was kind, although rarely")] == [stem("kind"), stem("rarely")]


def test_phrasal_verbs_and_readers_phrases_reach_the_guides_words(corpus: Corpus) -> None:
    a = analyzer_for(corpus)
    assert stem("boundary") in a.query("i hate turning people down").weights  # turn down = say no
    assert stem("boundary") in a.query("i turned down the invitation").weights
    assert stem("reunion") in a.query("we keep going back to each other").weights
    assert stem("anger") in a.query("he gets angry whenever i am late").weights  # angry/anger: one stem apart
    # "keeps messaging" is about contact; new numbers and accounts only when the reader says so
    keeps = a.query("she keeps messaging me")
    assert stem("contact") in keeps.weights and stem("number") not in keeps.weights
    assert stem("number") in a.query("he texts me from a different number").weights


def test_contractions_and_counting_words_say_little() -> None:
    from api.patterns.text import PLAIN_FLOOR, plainness

    # "don't", "can't", "won't" are function words, as "do" and "not" are
    assert [s for _, s in tokens("i don't know, i can't sleep and he won't call")] == [
        stem("know"),
        stem("sleep"),
        stem("call"),
    ]
    assert plainness("five") == PLAIN_FLOOR < plainness("guilty")  # "five hours" is not about five
    assert ("co parenting", "co_parent") in tokens("co-parenting") and "co" not in stems_of("co-parenting")


def stems_of(text: str) -> list[str]:
    return [s for _, s in tokens(text)]


def test_readers_phrases_mean_what_they_say(corpus: Corpus) -> None:
    a = analyzer_for(corpus)
    # one breakup is not an on-again, off-again relationship; several are
    once = a.query("we broke up in march").weights.get(stem("broken"), 0.0)  # (a typo guess at most)
    assert once < a.query("we broke up and got back together").weights[stem("broken")]
    # being the object of someone's obsession is not ruminating
    assert stem("replay") not in a.query("he was obsessed with me at the start").weights
    assert stem("replay") in a.query("i keep obsessing over it").weights
    hot_cold = a.query("one week she is all loving and the next week she ignores me")
    assert stem("warm") in hot_cold.weights and stem("pull") in hot_cold.weights
    assert stem("boundary") in a.query("i asked her not to post about me").weights
    assert stem("closure") in a.query("he just left without a word").weights
