"""Issue 19 for the request workflows and the outbox renderer: the button data they write is what the
bot always wrote (a button already in a chat keeps working) and each kind reads only its own; the outbox
registry has a renderer for every template; drafts keep their stored JSON shape; and the feature modules
import only downward (the registry on top)."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from handlers.comment import CommentsDraft, GetDocument, SendComments
from handlers.complain import ComplainDraft, SendComplaint
from handlers.complaint_steps import ComplainAbout
from handlers.decide import DecideDraft
from handlers.defer import AskToDefer, DeferDraft, DeferGround, SendDeferral
from handlers.notify_button import NotifiedToday
from handlers.outbox_messages import RENDERERS, render, template_of
from handlers.reminder_messages import render_digest, render_lines
from handlers.request_base import RequestPress
from handlers.request_copies import render_edit
from handlers.request_messages import render_request
from handlers.review import ReviewDecision, ReviewDraft, ReviewStep
from store.outbox import OutboxRow
from store.outbox_templates import OutboxTemplate
from store.setting_programme import OVERDUE_TEMPLATE

HANDLERS = Path(__file__).resolve().parent.parent / "handlers"


@pytest.mark.parametrize(
    ("button", "data"),
    [
        (RequestPress(request_id=12, event="approve"), "req:12:approve"),
        (RequestPress(request_id=3, event="withdraw"), "req:3:withdraw"),
        (ReviewStep(request_id=12, action="debrief"), "req:12:debrief"),
        (ReviewDecision(request_id=4, version=2, decision="compliance_notice"), "rvd:4:2:compliance_notice"),
        (AskToDefer(ref=7), "defer:7"),
        (DeferGround(ground="closing"), "dfg:closing"),
        (SendDeferral(), "dfc:send"),
        (SendComplaint(), "cpc:send"),
        (SendComments(), "cmc:send"),
        (GetDocument(request_id=9, n=0), "cdoc:9:0"),
        (NotifiedToday(ref=31), "ntf:31"),
        (ComplainAbout(ref=5), "cmpl:5"),
    ],
)
def test_the_data_written_is_the_format_buttons_in_chats_already_carry(button: Any, data: str) -> None:
    assert button.pack() == data
    assert type(button).unpack(data) == button


def test_a_review_step_and_a_decision_are_told_apart_by_their_event() -> None:
    assert ReviewStep.matches("req:5:decide") and not RequestPress.matches("req:5:decide")
    assert RequestPress.matches("req:5:decline") and not ReviewStep.matches("req:5:decline")
    assert not RequestPress.matches("req:5:nonsense") and not ReviewStep.matches("req:5:nonsense")


@pytest.mark.parametrize(
    "data",
    [
        "req:+5:approve",
        "req: 5:approve",
        "req:1_0:approve",
        "req:1234567890:approve",
        "ntf:-3",
        "ntf:5.0",
        "cdoc:9:10",
        "dfg:Closing",
        "dfg:",
        "dfc:sent",
        "defer:7:8",
        "cmpl:x",
    ],
)
def test_forged_spellings_of_a_number_or_word_match_no_button(data: str) -> None:
    kinds = (RequestPress, ReviewStep, NotifiedToday, GetDocument, DeferGround, SendDeferral, AskToDefer)
    assert not any(kind.matches(data) for kind in (*kinds, ComplainAbout))


def test_a_forged_decision_word_still_reaches_the_review_to_be_told_it_is_unknown() -> None:
    # test_e2e_case_review presses it and expects "isn't one I know", not "expired".
    assert ReviewDecision.parse("rvd:1:2:nonsense") == ReviewDecision(
        request_id=1, version=2, decision="nonsense"
    )


def test_every_template_has_its_renderer_and_the_values_are_the_stored_ones() -> None:
    assert set(RENDERERS) == set(OutboxTemplate)
    assert OutboxTemplate.PROGRAMME_OVERDUE == OVERDUE_TEMPLATE
    assert RENDERERS[OutboxTemplate.REQUEST] is render_request
    assert RENDERERS[OutboxTemplate.REQUEST_EDIT] is render_edit
    assert RENDERERS[OutboxTemplate.DIGEST] is render_digest
    assert RENDERERS[OutboxTemplate.REMIND] is render_lines


def _row(template: str, kind: str = "notice", row_id: int = 1) -> OutboxRow:
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    return OutboxRow(row_id, 1, None, kind, "b", template, {}, now, 0)


def test_a_digest_batch_is_the_digest_whatever_its_first_row_says() -> None:
    assert template_of([_row("programme_overdue", kind="digest")]) is OutboxTemplate.DIGEST
    assert template_of([_row("remind", kind="digest")]) is OutboxTemplate.DIGEST
    assert template_of([_row("remind", kind="remind")]) is OutboxTemplate.REMIND
    assert template_of([_row("request", kind="notice")]) is OutboxTemplate.REQUEST
    assert template_of([_row("from_a_newer_version")]) is None


async def test_a_template_this_version_does_not_know_is_dropped_not_sent() -> None:
    rows = [_row("from_a_newer_version", row_id=4), _row("from_a_newer_version", row_id=5)]
    out = await render(None, None, rows, datetime(2026, 3, 2, tzinfo=UTC))  # type: ignore[arg-type]
    assert out.send == [] and out.drop == {"unknown_template": [4, 5]}
    assert (await render(None, None, [], datetime(2026, 3, 2, tzinfo=UTC))).send == []  # type: ignore[arg-type]


class _Context:
    """What a draft reads: only user_data (persisted as JSON by bot/persistence.py)."""

    def __init__(self, user_data: dict[str, Any]) -> None:
        self.user_data = user_data


def test_drafts_keep_the_json_shape_the_untyped_dicts_had() -> None:
    context: Any = _Context({})
    DeferDraft(ref=12, kind="ch-full").save(context)
    assert context.user_data == {"defer": {"ref": 12, "kind": "ch-full"}}
    draft = DeferDraft.read(context)
    draft.ground, draft.explanation = "closing", "We are closing."
    draft.save(context)
    assert context.user_data["defer"] == {
        "ref": 12,
        "kind": "ch-full",
        "ground": "closing",
        "explanation": "We are closing.",
    }
    DeferDraft.drop(context)
    assert context.user_data == {}
    # Drafts written by the version before these models read as they were.
    context.user_data.update(
        {
            "decide": {"id": 3, "version": 2, "event": "decline", "message": None},
            "review": {"id": 4, "version": 1, "decision": "no_action"},
            "complain": {"ref": 7, "text": "x"},
            "comments": {"ref": 7, "data": {"text": "", "documents": [{"file_id": "f", "name": None}]}},
        }
    )
    assert DecideDraft.read(context) == DecideDraft(id=3, version=2, event="decline")
    assert ReviewDraft.read(context).decision == "no_action"
    assert ComplainDraft.read(context).text == "x"
    comments = CommentsDraft.read(context)
    assert comments.data == {"text": "", "documents": [{"file_id": "f", "name": None}]}
    comments.data = None
    comments.save(context)
    assert context.user_data["comments"] == {"ref": 7}  # what an old Send pressed again finds gone
    assert CommentsDraft.find(_Context({})) is None  # type: ignore[arg-type]


def _imports(module: str) -> set[str]:
    """Every handlers module `module` imports, at the top, in functions or under TYPE_CHECKING."""
    tree = ast.parse((HANDLERS / f"{module}.py").read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            if node.module == "handlers":
                found |= {alias.name for alias in node.names}
            elif node.module.startswith("handlers."):
                found.add(node.module.removeprefix("handlers."))
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("handlers.") for a in node.names if a.name.startswith("handlers.")}
    return found


#: The request workflows, each on its own: none imports another, nor anything above them.
WORKFLOWS = ("defer", "notify", "complain", "comment", "review", "complaint_steps")
#: What they may build on.
BASE = {
    "buttons",
    "button_fields",
    "context",
    "conversation",
    "drafts",
    "parsing",
    "people",
    "render",
    "request_base",
    "situation",
    "complaint_window",
    "notify_button",
    "timeline",
    "menu",
}


@pytest.mark.parametrize("module", WORKFLOWS)
def test_a_workflow_module_imports_only_downward(module: str) -> None:
    assert _imports(module) <= BASE, _imports(module) - BASE


@pytest.mark.parametrize("module", sorted(BASE - {"render", "timeline", "menu", "people", "context"}))
def test_the_base_modules_import_no_feature(module: str) -> None:
    assert _imports(module) <= BASE, _imports(module) - BASE


def test_nothing_below_the_registry_imports_it() -> None:
    importers = [p.stem for p in HANDLERS.glob("*.py") if "outbox_messages" in _imports(p.stem)]
    assert importers == []
