"""Questions in plain words -> intent, milestone candidates, case reference and confidence.

Most rows are the questions users ask, taken from the "questions users ask" sections of
shared/spec/seed-*.md; the rest cover typos, case references, ambiguity and text that is not a question.
"""

from __future__ import annotations

from collections.abc import Collection

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.questions import (
    MAX_CHARS,
    MAX_CONFIDENT_WORDS,
    MILESTONE_KEYS,
    NOT_TYPOS,
    PHRASES,
    WEEK_SEQUENCES,
    Intent,
    Match,
    Question,
    _asks_how_to_complain,
    _case_ref,
    _contains,
    _is_clear,
    _order,
    _other_intent,
    _score_milestones,
    _tokens,
    _words,
    parse_question,
)

# The milestone keys of each kind (shared/spec/timelines.md).
CH_FULL = frozenset(
    {
        "evidence_upload",
        "draft_report",
        "provider_comments",
        "final_report",
        "complaint_window",
        "publication",
        "case_review",
        "return_visit",
    }
)
CH_ASSURANCE = CH_FULL | {"dcs_email"}
ASA_FULL = frozenset(
    {
        "notice",
        "ofsted_contact",
        "draft_report",
        "provider_comments",
        "final_report",
        "complaint_window",
        "publication",
        "case_review",
    }
)
COVID = frozenset(
    {
        "annex_a_form",
        "draft_report",
        "provider_comments",
        "final_report",
        "complaint_window",
        "publication",
        "case_review",
        "dcs_email",
    }
)
LA_SIF = frozenset(
    {
        "annex_a",
        "case_audits",
        "draft_report",
        "provider_comments",
        "prepublication_report",
        "publication",
        "improvement_plan",
    }
)
ALL_KEYS = frozenset(MILESTONE_KEYS)


def keys(question: Question) -> list[str]:
    return [m.key for m in question.matches]


# --- deadline questions answered without asking --------------------------------------------------------

CONFIDENT_DEADLINES = [
    # seed 000 section 9
    ("When is the draft report due?", "draft_report"),
    ("How long do I have to comment on the draft?", "provider_comments"),
    ("When will I get the final report?", "final_report"),
    ("What's the deadline for a formal complaint?", "complaint_window"),
    ("When will the report be published, and where?", "publication"),
    ("By when must my handwritten notes be uploaded?", "evidence_upload"),
    ("Assurance inspection found serious/widespread concerns. When must I email the DCS?", "dcs_email"),
    ("Set a reminder for the return visit after an inadequate judgement.", "return_visit"),
    # seed 001-002 section 8
    ("When is the draft due?", "draft_report"),
    ("How long do I have to comment on the report?", "provider_comments"),
    ("When will the report be published?", "publication"),
    ("When must the case review happen?", "case_review"),
    # seed 003 section 9
    ("When do I submit a formal complaint?", "complaint_window"),
    ("How much notice will I get?", "notice"),
    ("When must I upload my handwritten notes?", "evidence_upload"),
    ("The agency was judged inadequate. When is the case review due?", "case_review"),
    # seed 004 section 8
    ("When is the draft report due to the DCS?", "draft_report"),
    ("How long do we have to comment on factual accuracy?", "provider_comments"),
    ("When will our report be published?", "publication"),
    ("When is our improvement plan due and where do we send it?", "improvement_plan"),
    ("When is the case file audit due and how many cases?", "case_audits"),
    # the issue
    ("when do my comments have to be in?", "provider_comments"),
    ("when will the report be published?", "publication"),
    # synonyms
    ("first draft?", "draft_report"),
    ("when do I respond to the draft", "provider_comments"),
    ("deadline for my comments", "provider_comments"),
    ("comments on the draft report", "provider_comments"),
    ("draft report comments due?", "provider_comments"),
    ("factual accuracy check", "provider_comments"),
    ("final?", "final_report"),
    ("when can I complain", "complaint_window"),
    ("When does it go live?", "publication"),
    ("when will it be on the website", "publication"),
    ("action plan deadline", "improvement_plan"),
    ("Return visit", "return_visit"),
    ("evidence", "evidence_upload"),
    ("when's the annex a form due", "annex_a_form"),
    ("case audits", "case_audits"),
    ("how much notice do we get", "notice"),
    ("prepublication report", "prepublication_report"),
    ("When is the pre-publication report sent?", "prepublication_report"),
    ("when do I email the DCS", "dcs_email"),
    ("when can the provider contact Ofsted", "ofsted_contact"),
    ("DRAFT REPORT", "draft_report"),
    ("When\u2019s the draft due?", "draft_report"),  # a curly apostrophe, as phones type it
    ("is the draft overdue?", "draft_report"),  # a milestone named: answer about it (due date and status)
    # typos
    ("when is the drfat due", "draft_report"),
    ("when are my comemnts due", "provider_comments"),
    ("when will it be publsihed", "publication"),
    ("complaitn deadline", "complaint_window"),
    ("when is the fianl report due", "final_report"),
    ("publicatoin date", "publication"),
    ("improvment plan", "improvement_plan"),
    ("factual acuracy", "provider_comments"),
]


@pytest.mark.parametrize(("text", "key"), CONFIDENT_DEADLINES)
def test_confident_deadline(text: str, key: str) -> None:
    q = parse_question(text)
    assert q.intent is Intent.DEADLINE
    assert q.confident, q
    assert q.best == key


@pytest.mark.parametrize(
    ("text", "key", "score"),
    [
        ("when is the draft due", "draft_report", 1.0),
        ("when is the drfat due", "draft_report", 0.9),  # a corrected word costs a little
    ],
)
def test_scores(text: str, key: str, score: float) -> None:
    assert parse_question(text).matches[0] == Match(key, score)


# --- case references ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "case_ref", "intent", "key"),
    [
        ("what's the complaint deadline for #12?", 12, Intent.DEADLINE, "complaint_window"),
        ("when is the draft due for case 12", 12, Intent.DEADLINE, "draft_report"),
        ("case #7 final report", 7, Intent.DEADLINE, "final_report"),
        ("Case 3: comments?", 3, Intent.DEADLINE, "provider_comments"),
        ("case no. 45 publication", 45, Intent.DEADLINE, "publication"),
        ("case number 9 draft", 9, Intent.DEADLINE, "draft_report"),
        ("# 5 draft", 5, Intent.DEADLINE, "draft_report"),
        ("what's next for case #4", 4, Intent.NEXT, None),
        ("is anything overdue on #2?", 2, Intent.OVERDUE, None),
        ("case review for #8", 8, Intent.DEADLINE, "case_review"),  # "case review" is not a reference
        ("case 12", 12, Intent.UNKNOWN, None),
    ],
)
def test_case_reference(text: str, case_ref: int, intent: Intent, key: str | None) -> None:
    q = parse_question(text)
    assert q.case_ref == case_ref
    assert q.intent is intent
    assert q.best == key


@pytest.mark.parametrize(
    "text",
    ["when is the draft due", "case review", "the draft is due 12/03/2026", "#", "case file audit", "#x"],
)
def test_no_case_reference(text: str) -> None:
    assert parse_question(text).case_ref is None


def test_huge_number_is_not_a_case_reference() -> None:
    assert parse_question("#" + "9" * 5000).case_ref is None


# --- ambiguity: several candidates, ask rather than guess ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("report", {"draft_report", "final_report", "publication"}),
        ("when is the report due?", {"draft_report", "final_report", "publication"}),
        ("When is our regulation 44 report due to Ofsted?", {"draft_report", "final_report"}),
        ("By when must the report go to the provider for comments?", {"draft_report", "provider_comments"}),
        ("when is the draft for comments due", {"draft_report", "provider_comments"}),
        ("The home was judged inadequate. What happens and by when?", {"case_review", "return_visit"}),
        ("When do we re-inspect an inadequate or RI agency?", {"return_visit", "reinspection"}),
        ("annex a", {"annex_a", "annex_a_form"}),
        # the spec's monitoring visit is kinds.py's compliance_visit: which one depends on the kind
        ("when's the monitoring visit?", {"return_visit", "compliance_visit"}),
        ("when does the draft go for quality assurance", {"draft_report", "draft_qa"}),
        # the notice of an announced inspection, or the notification call
        ("when will we be notified", {"notice", "notification"}),
        ("draft and final report", {"draft_report", "final_report"}),
        ("I want to appeal", {"complaint_window"}),  # an appeal is not quite a complaint: ask
        ("I'm unhappy with how the inspection went", {"ofsted_contact", "complaint_window"}),
        ("when is the rpeort due", {"draft_report", "final_report", "publication"}),
    ],
)
def test_ambiguous_offers_candidates(text: str, expected: set[str]) -> None:
    q = parse_question(text)
    assert q.intent is Intent.DEADLINE
    assert not q.confident, q
    assert expected <= set(keys(q))


def test_report_candidates_come_in_timeline_order() -> None:
    assert keys(parse_question("report"))[:2] == ["draft_report", "final_report"]


# --- available_keys narrows or rules out ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "available", "key", "confident"),
    [
        ("comments", LA_SIF, "provider_comments", True),
        ("report", frozenset({"publication", "return_visit"}), "publication", True),  # ch-interim-2014
        ("report", LA_SIF, "draft_report", False),
        ("report", CH_FULL, "draft_report", False),
        ("final report", CH_FULL, "final_report", True),
        ("final report", LA_SIF, "prepublication_report", False),  # no final report: offer the nearest
        ("annex a", COVID, "annex_a_form", True),
        ("annex a", LA_SIF, "annex_a", True),
        ("when is the return visit", CH_FULL, "return_visit", True),
        ("How much notice will I get?", ASA_FULL, "notice", True),
        ("email the DCS", CH_ASSURANCE, "dcs_email", True),
        ("When is the draft report due to the DCS?", LA_SIF, "draft_report", True),
        ("When do we re-inspect an inadequate or RI agency?", CH_FULL, "return_visit", True),
        ("when will we be notified", ASA_FULL, "notice", True),
        (
            "A compliance notice date is 10 May. When must the monitoring visit happen?",
            CH_FULL | {"compliance_visit"},
            "compliance_visit",
            True,
        ),
        # inadequate: the return visit is what the case has now (no compliance notice recorded)
        ("when's the monitoring visit?", CH_FULL, "return_visit", True),
    ],
)
def test_available_keys(text: str, available: frozenset[str], key: str, confident: bool) -> None:
    q = parse_question(text, available)
    assert q.intent is Intent.DEADLINE
    assert q.best == key
    assert q.confident is confident
    assert set(keys(q)) <= available


@pytest.mark.parametrize(
    ("text", "available", "unavailable"),
    [
        ("When can we complain?", LA_SIF, "complaint_window"),  # seed 004 has no complaint deadline
        ("when is the improvement plan due", CH_FULL, "improvement_plan"),
        ("when do I upload my handwritten notes", LA_SIF, "evidence_upload"),
    ],
)
def test_milestone_the_kind_lacks(text: str, available: frozenset[str], unavailable: str) -> None:
    q = parse_question(text, available)
    assert q.intent is Intent.DEADLINE
    assert q.matches == ()
    assert not q.confident
    assert q.unavailable == (unavailable,)


def test_empty_available_keys_means_nothing_is_available() -> None:
    q = parse_question("when is the draft due", ())
    assert q.matches == () and q.unavailable == ("draft_report",) and not q.confident


# --- the kinds as workflows/kinds.py defines them ------------------------------------------------------


def _kind_keys(kind_id: str) -> frozenset[str]:
    from workflows.kinds import KINDS

    return frozenset(rule.key for rule in KINDS[kind_id].milestones)


def test_every_key_in_the_vocabulary_is_a_milestone_some_kind_has() -> None:
    """A word that points at a key no kind defines can only ever answer 'there is none' (issue 7, #3)."""
    from workflows.kinds import KINDS

    defined = frozenset().union(*(_kind_keys(kind_id) for kind_id in KINDS))
    phrase_keys = {key for senses in PHRASES.values() for key, _ in senses}
    assert set(MILESTONE_KEYS) <= defined
    assert phrase_keys <= defined


@pytest.mark.parametrize(
    ("text", "week"),
    [("what's due this week?", 0), ("what is due next week", 1), ("anything due in the coming week?", 1)],
)
def test_due_this_or_next_week(text: str, week: int) -> None:
    q = parse_question(text)
    assert q.intent is Intent.WEEK and q.week == week and q.confident


def test_every_key_of_every_kind_is_in_the_vocabulary() -> None:
    from workflows.kinds import KINDS

    for kind_id in KINDS:
        assert _kind_keys(kind_id) <= ALL_KEYS, kind_id


@pytest.mark.parametrize(
    ("text", "kind_id", "key"),
    [
        ("A compliance notice compliance date is 15 March. When do we visit?", "ch-full", "compliance_visit"),
        (
            "A compliance notice date is 10 May. When must the monitoring visit happen?",
            "asa-full",
            "compliance_visit",
        ),
        ("When do we re-inspect an inadequate or RI agency?", "asa-full", "reinspection"),
        ("when will we be notified", "la-sif", "notification"),
        ("How much notice will I get?", "asa-full", "notice"),
        ("When is the draft due?", "covid-assurance", "draft_report"),
        ("when is the quality assurance of the draft due", "covid-assurance", "draft_qa"),
        ("when is the draft QA", "covid-assurance", "draft_qa"),
        ("When do I send my evidence notebook?", "la-sif", "evidence_notebooks"),
        ("when is the report published", "ch-interim-2014", "publication"),
        ("report", "ch-interim-2014", "publication"),
        ("How long do we have to comment on factual accuracy?", "la-sif", "provider_comments"),
        ("when is the final report due", "ch-full", "final_report"),
    ],
)
def test_questions_against_real_kinds(text: str, kind_id: str, key: str) -> None:
    q = parse_question(text, _kind_keys(kind_id))
    assert q.intent is Intent.DEADLINE
    assert q.confident, q
    assert q.best == key


# --- other intents -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("is anything overdue?", Intent.OVERDUE),
        ("Is anything overdue", Intent.OVERDUE),
        ("what's late", Intent.OVERDUE),
        ("am I late", Intent.OVERDUE),
        ("missed deadlines", Intent.OVERDUE),
        ("have I missed anything?", Intent.OVERDUE),
        ("anything past due", Intent.OVERDUE),
        ("anything overdeu", Intent.OVERDUE),
        ("what's next?", Intent.NEXT),
        ("what's due?", Intent.NEXT),
        ("what do I have to do", Intent.TODO),
        ("when is it due", Intent.NEXT),
        ("what's coming up this week", Intent.WEEK),
        ("upcoming deadlines", Intent.NEXT),
        ("my deadlines", Intent.NEXT),
        ("what's due on my cases", Intent.NEXT),
        ("What do I need to send and by when?", Intent.NEXT),
        ("What do I need to send after notification?", Intent.NEXT),
        ("We've just been notified. What do you need from us and when?", Intent.NEXT),
        ("timeline for #3", Intent.NEXT),
        ("what's the status", Intent.NEXT),
        ("my cases", Intent.CASES),
        ("list cases", Intent.CASES),
        ("Cases", Intent.CASES),
        ("show my case", Intent.CASES),
        ("help", Intent.HELP),
        ("/help", Intent.HELP),
        ("what can you do?", Intent.HELP),
        ("how does this work", Intent.HELP),
    ],
)
def test_other_intents(text: str, intent: Intent) -> None:
    q = parse_question(text)
    assert q.intent is intent
    assert q.matches == ()
    assert q.confident


# --- not questions at all: never a confident deadline -------------------------------------------------

NOT_QUESTIONS = [
    "",
    "   ",
    "hello",
    "Hi there",
    "thanks",
    "Thank you!",
    "ok",
    "👍",
    "🙂🙂🙂",
    "?",
    "3 March 2026",
    "3/3/2026",
    "12/03/2026",
    "Tuesday 3 March 2026",
    "2026-03-03",
    "just a moment",  # "moment" is one letter from "comment"
    "are we compliant?",  # "compliant" is a transposition of "complaint"
    "is this accurate?",
    "my headline",
    "I noticed something",
    "When do I get the post-inspection survey?",
    "Who will be at the final feedback meeting and when?",  # final feedback is not the final report
    "Can we defer the inspection?",
    "when is the inspection",
]


@pytest.mark.parametrize("text", NOT_QUESTIONS)
def test_not_a_deadline_question(text: str) -> None:
    q = parse_question(text)
    assert not (q.intent is Intent.DEADLINE and q.confident), q
    assert q.matches == ()


@pytest.mark.parametrize(
    ("text", "available"),
    [("an email arrived", None), ("an email arrived", CH_ASSURANCE), ("I want to appeal", CH_FULL)],
)
def test_weak_hint_alone_asks_even_when_it_is_the_only_candidate(
    text: str, available: frozenset[str] | None
) -> None:
    q = parse_question(text, available)
    assert len(q.matches) == 1 and not q.confident


@pytest.mark.parametrize("text", ["hello", "thanks", "👍", "good morning", ""])
def test_small_talk_is_unknown(text: str) -> None:
    q = parse_question(text)
    assert q == Question(Intent.UNKNOWN, None, (), False)


def test_long_random_text_is_never_confident() -> None:
    import random

    rng = random.Random(4000)
    letters = "abcdefghijklmnopqrstuvwxyz     "
    noise = "".join(rng.choice(letters) for _ in range(4000))
    assert not parse_question(noise).confident
    words = ["the", "report", "draft", "was", "late", "final", "comment", "visit", "plan", "notes", "when"]
    prose = " ".join(rng.choice(words) for _ in range(800))[:4000]
    assert not parse_question(prose).confident


def test_long_message_with_a_question_inside_is_not_confident() -> None:
    text = "when is the draft due " + "and some more words here " * 10
    q = parse_question(text)
    assert q.best == "draft_report" and not q.confident


# --- the vocabulary itself -----------------------------------------------------------------------------


def test_every_phrase_points_at_known_keys() -> None:
    for phrase, senses in PHRASES.items():
        for key, weight in senses:
            assert key in ALL_KEYS, phrase
            assert 0 < weight <= 1, phrase


def test_every_key_can_be_asked_about() -> None:
    named = {key for senses in PHRASES.values() for key, weight in senses if weight >= 0.9}
    assert named == ALL_KEYS


def test_not_typos_are_not_vocabulary() -> None:
    vocabulary = {w for phrase in PHRASES for w in phrase.split()}
    assert not NOT_TYPOS & vocabulary


@pytest.mark.parametrize("phrase", sorted(p for p, senses in PHRASES.items() if senses))
def test_each_phrase_alone_finds_its_first_sense(phrase: str) -> None:
    q = parse_question(phrase)
    assert q.intent is Intent.DEADLINE
    assert PHRASES[phrase][0][0] in keys(q)


# --- properties ----------------------------------------------------------------------------------------

_key_sets = st.frozensets(st.sampled_from(sorted(ALL_KEYS | {"not_a_real_key"})))
_texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(sorted({w for p in PHRASES for w in p.split()} | {"#12", "case", "due"}))).map(
        " ".join
    ),
)


@settings(max_examples=300, deadline=None)
@given(text=_texts, available=st.one_of(st.none(), _key_sets))
def test_never_raises_and_respects_available_keys(text: str, available: frozenset[str] | None) -> None:
    q = parse_question(text, available)
    assert isinstance(q.intent, Intent)
    assert all(0 <= m.score <= 1 for m in q.matches)
    assert [m.score for m in q.matches] == sorted((m.score for m in q.matches), reverse=True)
    assert len({m.key for m in q.matches}) == len(q.matches)
    if available is not None:
        assert {m.key for m in q.matches} <= available
        assert not set(q.unavailable) & available
    else:
        assert q.unavailable == ()
    if q.intent is not Intent.DEADLINE:
        assert q.matches == ()
    if q.confident and q.intent is Intent.DEADLINE:
        assert q.matches


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=200))
def test_deterministic(text: str) -> None:
    assert parse_question(text) == parse_question(text)


# --- "how do I complain?" ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "case_ref"),
    [
        ("how do I complain?", None),
        ("How do I complain about #12?", 12),
        ("how can we make a complaint", None),
        ("what is the complaints procedure?", None),
        ("how to complain about case 7", 7),
        ("I want to complain", None),
        ("what are the steps to complain", None),
        ("where do I send a complaint", None),
        ("who do I complain to", None),
        ("how do i complian", None),  # a typo of the complaint word
    ],
)
def test_how_to_complain(text: str, case_ref: int | None) -> None:
    q = parse_question(text)
    assert (q.intent, q.case_ref, q.confident) == (Intent.COMPLAIN, case_ref, True)


@pytest.mark.parametrize(
    "text",
    [
        "when can I complain",
        "how long do I have to complain?",
        "what's the complaint deadline for #12?",
        "When do I submit a formal complaint?",
        "complaint window",
        "what's the latest I can complain",
    ],
)
def test_asking_when_to_complain_stays_a_deadline_question(text: str) -> None:
    q = parse_question(text)
    assert (q.intent, q.best) == (Intent.DEADLINE, "complaint_window")


def test_how_without_a_complaint_is_not_a_complaint_question() -> None:
    assert parse_question("how do I comment on the draft?").intent is Intent.DEADLINE
    assert parse_question("how do I use this?").intent is Intent.HELP


# --- narrowing a reading equals reading with the keys ---------------------------------------------------


def _old_parse_question(text: str, available_keys: Collection[str] | None) -> Question:
    """The oracle: `parse_question` as it was before `Question.narrowed`, filtering the scores by the keys
    before ordering them (kept here verbatim, so the two ways can be compared)."""
    case_ref, rest = _case_ref(text[:MAX_CHARS].lower())
    raw = _words(rest)
    tokens = _tokens(raw)
    words = [t.word for t in tokens]
    too_long = len(words) > MAX_CONFIDENT_WORDS

    if _asks_how_to_complain(words):
        return Question(Intent.COMPLAIN, case_ref, (), not too_long)
    scores = _score_milestones(tokens)
    if scores is not None:
        unavailable: tuple[str, ...] = ()
        if available_keys is not None:
            allowed = set(available_keys)
            unavailable = tuple(m.key for m in _order({k: s for k, s in scores.items() if k not in allowed}))
            scores = {k: s for k, s in scores.items() if k in allowed}
        matches = _order(scores)
        return Question(Intent.DEADLINE, case_ref, matches, _is_clear(matches) and not too_long, unavailable)

    week = next((n for sequence, n in WEEK_SEQUENCES.items() if _contains(words, sequence)), None)
    if week is not None:
        return Question(Intent.WEEK, case_ref, (), not too_long, week=week)
    intent = _other_intent(raw, words)
    return Question(intent, case_ref, (), intent is not Intent.UNKNOWN and not too_long)


def _seen(q: Question) -> tuple[object, ...]:
    """What callers read of a Question (not the fields kept for narrowing again)."""
    return (q.intent, q.case_ref, q.matches, q.confident, q.unavailable, q.week)


#: Readings added after the oracle: time questions, the visit, deferral and "what do I need to do?" take
#: some texts the oracle read otherwise (a bare "visit" with "when", a month's name); every other reading
#: must be the oracle's.
_NEWER = frozenset({Intent.PERIOD, Intent.WEEK, Intent.INSPECTION, Intent.DEFER, Intent.TODO})


# The phrases' words, typos of some (corrected, with the penalty), words of the other intents, and case
# references; a few of them or many, padded or not with filler words up to past MAX_CONFIDENT_WORDS, so
# that clear questions are sometimes too long to be confident about.
_VOCABULARY_WORDS = sorted(
    {w for p in PHRASES for w in p.split()}
    | {"#12", "case", "due", "when", "how", "do", "i", "complain", "procedure", "this", "next", "week"}
    | {"overdue", "help", "cases", "drafr", "complaitn", "publicaton", "evidense", "commments"}
)
_vocabulary_texts = st.builds(
    lambda words, padding: " ".join(words) + " the" * padding,
    st.one_of(
        st.lists(st.sampled_from(_VOCABULARY_WORDS), max_size=4),
        st.lists(st.sampled_from(_VOCABULARY_WORDS), max_size=40),
    ),
    st.integers(min_value=0, max_value=MAX_CONFIDENT_WORDS + 2),
)


@settings(max_examples=500, deadline=None)
@given(text=_vocabulary_texts, available=_key_sets, again=_key_sets)
def test_narrowed_reading_is_the_reading_with_keys(
    text: str, available: frozenset[str], again: frozenset[str]
) -> None:
    reading = parse_question(text)
    expected = _seen(parse_question(text, available))
    if reading.intent not in _NEWER:
        assert _seen(reading) == _seen(_old_parse_question(text, None))
        assert expected == _seen(_old_parse_question(text, available))
    assert _seen(reading.narrowed(available)) == expected
    # narrowing an already narrowed reading starts again from every candidate
    assert _seen(reading.narrowed(again).narrowed(available)) == expected


def test_narrowing_can_change_confidence_both_ways() -> None:
    """'report' alone asks; in a kind with only the draft it answers. A long message never answers."""
    reading = parse_question("when is the report due")
    assert not reading.confident
    assert reading.narrowed({"draft_report"}).confident
    assert reading.narrowed({"draft_report"}).unavailable == (
        "final_report",
        "prepublication_report",
        "publication",
    )
    long = parse_question("when is the report due " + "and some more words here " * 10)
    assert long.too_long and not long.narrowed({"draft_report"}).confident
