"""Every kind of inspection as data: each milestone with its offset, owner and the seed lines behind it.

Seeds live in shared/seeds/ (000 children's homes SCCIF 2023, 001 the 2013 consultation, 002 COVID-19
assurance visits 2020, 003 adoption support agencies SCCIF 2024, 004 local authority SIF guidance). Where a
seed contradicts itself, shared/spec/timelines.md records the choice and the other reading goes in `notes`.
"""

from __future__ import annotations

from datetime import time

from workflows.errors import TimelineError
from workflows.rules import (
    END,
    MONDAY,
    START,
    THURSDAY,
    TUESDAY,
    WEDNESDAY,
    Actor,
    Condition,
    InspectionKind,
    MilestoneRule,
    Source,
    Trigger,
    Unit,
    WeekDay,
)

GRADES = ("outstanding", "good", "requires_improvement", "inadequate")
#: The 2014 proposals' scale for interim inspections (001 L395), in place of the four-point scale.
PROGRESS_GRADES = ("inadequate_progress", "limited_progress", "good_progress")

WD = Unit.WORKING_DAYS
SIX_TO_EIGHT_WEEKS = (42, 56)  # calendar days

CH_DOC = "SCCIF children's homes"
CONSULTATION_DOC = "Inspections of children's homes consultation (December 2013)"
COVID_DOC = "Assurance visits during COVID-19 (from 1 September 2020)"
ASA_DOC = "SCCIF adoption support agencies"
SIF_DOC = "SIF inspector guidance"


def _lines(*parts: int | tuple[int, int]) -> tuple[int, ...]:
    """Line numbers, with (first, last) for a run of lines."""
    result: list[int] = []
    for part in parts:
        if isinstance(part, tuple):
            result.extend(range(part[0], part[1] + 1))
        else:
            result.append(part)
    return tuple(result)


def _ch(section: str, *lines: int | tuple[int, int]) -> Source:
    return Source("000", _lines(*lines), CH_DOC, section)


def _consultation(section: str, *lines: int | tuple[int, int]) -> Source:
    return Source("001", _lines(*lines), CONSULTATION_DOC, section)


def _covid(section: str, *lines: int | tuple[int, int]) -> Source:
    return Source("002", _lines(*lines), COVID_DOC, section)


def _asa(section: str, *lines: int | tuple[int, int]) -> Source:
    return Source("003", _lines(*lines), ASA_DOC, section)


def _sif(section: str, *lines: int | tuple[int, int]) -> Source:
    return Source("004", _lines(*lines), SIF_DOC, section)


COMPLIANCE_DATE = Trigger(
    key="compliance_date",
    label="Compliance date set in a compliance notice",
    event="the compliance date set in the compliance notice",
    # Several notices, each with its own date and its own monitoring visit (000 L1397-1399, 003 L1020-1022).
    numbered_label="Compliance date set in compliance notice {n}",
    numbered_event="the compliance date set in compliance notice {n}",
)

MANAGER_LEFT = Trigger(
    key="manager_left",
    label="Ofsted told that the manager left before the home's first inspection",
    event="Ofsted is told the manager has left",
)

CATEGORY_ONE_CASE = Trigger(
    key="category_one_case",
    label="Category-one case raised with the local authority (Annex H)",
    event="a category-one case is raised",
)


# --- Children's homes (seed 000) -------------------------------------------------------------------


def _ch_report_rows(
    table: str,
    qa: tuple[int, int, int],
    draft: int,
    comments: int,
    final: int,
    complaint: int,
    publish: int,
) -> list[MilestoneRule]:
    """The rows shared by the full and assurance tables (same offsets, different table lines).

    `qa` is (line, first, last): the quality assurance row and its days as working days after the end.
    """
    qa_line, qa_first, qa_last = qa
    return [
        MilestoneRule(
            "evidence_upload",
            "Handwritten evidence scanned into the inspection database",
            END,
            5,
            WD,
            Actor.INSPECTOR,
            _ch("How inspectors record the evidence", 1034),
            notes=("Keep duplicate handwritten notes until the report is published (000 L1032).",),
        ),
        MilestoneRule(
            "draft_qa",
            "Inspection evidence and report submitted for quality assurance",
            END,
            qa_first,
            WD,
            Actor.INSPECTOR,
            _ch(table, qa_line),
            window_offset=qa_last,
            internal=True,
        ),
        MilestoneRule(
            "draft_report",
            "Draft report sent to the provider",
            END,
            18,
            WD,
            Actor.OFSTED,
            _ch(table, draft, 1240),
            event="the draft report is sent",
        ),
        MilestoneRule(
            "provider_comments",
            "Provider's comments on the draft report",
            "draft_report",
            5,
            WD,
            Actor.PROVIDER,
            _ch(table, comments, 1242),
            notes=(
                "The guidance gives 5 working days to comment without saying from when; "
                f"the table's day numbers count from the draft being sent (000 L{comments}, L1242).",
            ),
        ),
        MilestoneRule(
            "final_report",
            "Final report sent to the provider",
            END,
            30,
            WD,
            Actor.OFSTED,
            _ch(table, final, 1244),
            event="the final report is sent",
        ),
        MilestoneRule(
            "complaint_window",
            "Last day for a formal complaint",
            "final_report",
            5,
            WD,
            Actor.PROVIDER,
            _ch(table, complaint, 1264, 1266),
            notes=(
                "A formal complaint can be raised at any time before the final report is published "
                "(000 L1264), until the end of the fifth working day after the provider receives the "
                "final report (000 L1266).",
            ),
            recordable=False,
            opens_from=END,
        ),
        MilestoneRule(
            "publication",
            "Report published on the Ofsted reports website",
            END,
            38,
            WD,
            Actor.OFSTED,
            _ch(table, publish),
            event="the report is published",
        ),
    ]


def _case_review(condition: Condition, source: Source, *notes: str) -> MilestoneRule:
    return MilestoneRule(
        "case_review",
        "Case review",
        END,
        5,
        WD,
        Actor.MANAGER,
        source,
        condition=condition,
        notes=notes,
    )


def _compliance_visit(source: Source, seed: str, combined_line: int) -> MilestoneRule:
    return MilestoneRule(
        "compliance_visit",
        "Monitoring visit to check the compliance notice",
        COMPLIANCE_DATE.key,
        5,
        WD,
        Actor.OFSTED,
        source,
        condition=Condition.RECORDED,
        notes=(
            "With several notices, one visit may cover them only if no visit is more than 5 working days "
            f"after the date of any notice ({seed} L{combined_line}).",
        ),
        recordable=False,
        numbered_label="Monitoring visit to check compliance notice {n}",
    )


CH_FULL = InspectionKind(
    id="ch-full",
    name="Children's home: full inspection",
    document=CH_DOC,
    grades=GRADES,
    uses_concerns=False,
    onsite_days=2,
    milestones=(
        *_ch_report_rows("Timeframe", (623, 2, 5), 624, 625, 626, 627, 628),
        _case_review(
            Condition.INADEQUATE,
            _ch("Post-inspection debrief and case reviews", 1117),
            "A post-inspection debrief between the inspector and their manager comes first, "
            "as soon as possible (000 L1117).",
            "The placing and host local authorities are alerted; the region emails their directors "
            "of children's services after the case review (000 L1156-1160).",
        ),
        MilestoneRule(
            "return_visit",
            "Return visit (monitoring visit or full inspection)",
            END,
            SIX_TO_EIGHT_WEEKS[0],
            Unit.CALENDAR_DAYS,
            Actor.OFSTED,
            _ch("Subsequent inspection activity", 1127, 1372),
            condition=Condition.INADEQUATE,
            window_offset=SIX_TO_EIGHT_WEEKS[1],
            notes=(
                "Sooner if the concerns are serious (000 L1127, L1374).",
                "If a monitoring visit leads to a full inspection, that is usually within 16 weeks "
                "of the original inspection (000 L1151, L1392).",
            ),
            recordable=False,
        ),
        _compliance_visit(_ch("Monitoring compliance notices", 1397, 1399), "000", 1399),
        MilestoneRule(
            "second_inspection",
            "Second inspection in the same inspection period (usually an assurance inspection)",
            END,
            0,
            Unit.INSPECTION_PERIODS,
            Actor.OFSTED,
            _ch("Types of inspection: assurance inspections", 511),
            condition=Condition.REQUIRES_IMPROVEMENT,
            period_day=(3, 31),
            notes=(
                "Usually, not always (000 L511). Judged between 1 January and 31 March, the regulations "
                "do not require it that year; without it, the next full inspection is due before 30 June "
                "(000 L513-515).",
            ),
            recordable=False,
        ),
        MilestoneRule(
            "full_inspection_by_june",
            "Full inspection, if there was no second inspection in the inspection year",
            END,
            1,
            Unit.INSPECTION_PERIODS,
            Actor.OFSTED,
            _ch("Types of inspection: assurance inspections", 513, 515),
            condition=Condition.LAST_QUARTER_RI_OR_INADEQUATE,
            period_day=(6, 29),
            notes=(
                "'Before 30 June in the next inspection period' (000 L515): the last day is 29 June. "
                "The judgement counts as made on the last on-site day.",
            ),
            recordable=False,
        ),
        MilestoneRule(
            "first_inspection_after_manager_left",
            "First full inspection after the manager left",
            MANAGER_LEFT.key,
            28,
            Unit.CALENDAR_DAYS,
            Actor.OFSTED,
            _ch("Scheduling and the inspection team", 584),
            condition=Condition.RECORDED,
            notes=("Usually within 4 weeks of the notification that the manager left (000 L584).",),
            recordable=False,
        ),
    ),
    notes=(
        "Unannounced (000 L534).",
        "Usually 2 days on site (000 L592); up to 4 for a multi-building home (000 L594) and up to 3 for a "
        "residential special school (000 L596): record the actual last day.",
        "The day of feedback is the last day of the inspection (000 L1040).",
    ),
    triggers=(COMPLIANCE_DATE, MANAGER_LEFT),
)

CH_ASSURANCE = InspectionKind(
    id="ch-assurance",
    name="Children's home: assurance inspection",
    document=CH_DOC,
    grades=(),
    uses_concerns=True,
    onsite_days=1,
    milestones=(
        *_ch_report_rows("Assurance inspections, Timeline", (1277, 1, 5), 1278, 1279, 1280, 1281, 1282),
        MilestoneRule(
            "dcs_email",
            "Email to the directors of children's services",
            END,
            1,
            WD,
            Actor.INSPECTOR,
            _ch("Serious and widespread concerns: next steps", 1344),
            condition=Condition.CONCERNS,
            notes=(
                "By the end of the next working day; follow it with a phone call and make sure the email "
                "is forwarded to the provider (000 L1344).",
                "The section on feedback to local authorities says they are notified once the case review "
                "agrees they should be (000 L1158).",
            ),
        ),
        _case_review(
            Condition.CONCERNS,
            _ch("Serious and widespread concerns: next steps", 1119, 1340),
            "A post-visit debrief between the inspector and their manager comes first, "
            "as soon as possible (000 L1340).",
        ),
        MilestoneRule(
            "return_visit",
            "Likely return visit (monitoring visit or full inspection)",
            END,
            SIX_TO_EIGHT_WEEKS[0],
            Unit.CALENDAR_DAYS,
            Actor.OFSTED,
            _ch("Serious and widespread concerns: next steps", 1352),
            condition=Condition.CONCERNS,
            window_offset=SIX_TO_EIGHT_WEEKS[1],
            notes=(
                "The guidance says Ofsted is likely to return if concerns are serious, "
                "not that it will (000 L1352).",
            ),
            recordable=False,
        ),
        _compliance_visit(_ch("Monitoring compliance notices", 1397, 1399), "000", 1399),
    ),
    notes=(
        "Unannounced (000 L534).",
        "Usually 1 day on site; up to 2 for a multi-building home (000 L598): record the actual last day.",
        "The outcome is whether there are serious or widespread concerns, not a grade (000 L1325-1328).",
    ),
    triggers=(COMPLIANCE_DATE,),
)

# --- Adoption support agencies (seed 003) ----------------------------------------------------------

ASA_FULL = InspectionKind(
    id="asa-full",
    name="Adoption support agency: full inspection",
    document=ASA_DOC,
    grades=GRADES,
    uses_concerns=False,
    onsite_days=3,
    milestones=(
        MilestoneRule(
            "notice",
            "Notice of inspection",
            START,
            -10,
            WD,
            Actor.OFSTED,
            _asa("Notice of inspection", 431, 433, 501),
            single_individual_offset=-20,
            notes=(
                "20 working days when the agency is a single individual (003 L433, L501).",
                "The guidance counts back from when the inspection is due to begin (003 L501); "
                "the bot counts back from the first on-site day.",
                "A deferral may be requested during the notification phone call (003 L495).",
            ),
        ),
        MilestoneRule(
            "ofsted_contact",
            "Provider may contact Ofsted about unresolved concerns",
            END,
            1,
            WD,
            Actor.PROVIDER,
            _asa("End of the inspection and feedback", 860, 992, 1186),
            notes=(
                "The call goes to a regulatory inspection manager independent of the inspection (003 L992).",
            ),
        ),
        MilestoneRule(
            "evidence_upload",
            "Handwritten evidence scanned into the database",
            END,
            5,
            WD,
            Actor.INSPECTOR,
            _asa("How inspectors record the evidence", 840),
        ),
        MilestoneRule(
            "draft_qa",
            "Report written; evidence and report submitted for quality assurance",
            END,
            1,
            WD,
            Actor.INSPECTOR,
            _asa("Timeframe", 506),
            window_offset=4,
            internal=True,
            notes=("Table days 5 to 8; the feedback day is day 4 (003 L505-506).",),
        ),
        MilestoneRule(
            "case_review",
            "Case review",
            END,
            5,
            WD,
            Actor.MANAGER,
            _asa("Inadequate judgements: next steps", 912),
            condition=Condition.INADEQUATE,
            notes=("A post-inspection debrief comes first, as soon as possible (003 L912).",),
        ),
        MilestoneRule(
            "draft_report",
            "Draft report sent to the provider",
            END,
            18,
            WD,
            Actor.OFSTED,
            _asa("Timeframe", 507, 970, 1187),
            event="the draft report is sent",
        ),
        MilestoneRule(
            "provider_comments",
            "Provider's comments on the draft report",
            "draft_report",
            5,
            WD,
            Actor.PROVIDER,
            _asa("Timeframe", 508, 972, 1188),
        ),
        MilestoneRule(
            "complaint_window",
            "Last day for a formal complaint",
            "draft_report",
            5,
            WD,
            Actor.PROVIDER,
            _asa("Timeframe", 507, 508, 1188),
            notes=(
                "The complaints section also lets a provider lodge a formal complaint when it receives "
                "the final report (003 L998): the bot accepts one from that day on, with no closing day.",
            ),
            recordable=False,
        ),
        MilestoneRule(
            "complaint_response",
            "Formal complaint answered, before the final report",
            END,
            30,
            WD,
            Actor.MANAGER,
            _asa("Post-inspection and complaints procedure", 1190, 1191),
            condition=Condition.COMPLAINT_BEFORE_FINAL,
            event="the formal complaint is answered",
            notes=(
                "Ofsted responds to a formal complaint before it finalises and sends the report (003 L1190); "
                "the bot asks for it by the day the final report is normally due (003 L1191).",
                "A withdrawn complaint needs no answer: the day it is withdrawn counts.",
            ),
        ),
        MilestoneRule(
            "final_report",
            "Final report sent to the provider",
            END,
            30,
            WD,
            Actor.OFSTED,
            _asa("Timeframe", 509, 974, 1191),
            event="the final report is sent",
            waits_for="complaint_response",
            notes=(
                "Longer if there has been a complaint (003 L509, L1191): extended with no fixed day until "
                "the complaint is answered (003 L1190), then due no earlier than the answer.",
            ),
        ),
        MilestoneRule(
            "publication",
            "Report published on the Ofsted reports website",
            "final_report",
            5,
            WD,
            Actor.OFSTED,
            _asa("Timeframe", 510, 1191),
            event="the report is published",
            notes=("The timeframe table says 5 days (003 L510); the annex says 5 working days (003 L1191).",),
        ),
        MilestoneRule(
            "reinspection",
            "Full inspection after an inadequate judgement (usually)",
            END,
            6,
            Unit.MONTHS,
            Actor.OFSTED,
            _asa("Frequency of inspection", 462, 918),
            condition=Condition.INADEQUATE,
            window_offset=12,
            notes=("Sooner if further significant concerns arise (003 L922-925).",),
            recordable=False,
        ),
        MilestoneRule(
            "next_inspection",
            "Next inspection, within the 3-year period from the next 1 April",
            END,
            3,
            Unit.INSPECTION_PERIODS,
            Actor.OFSTED,
            _asa("Frequency of inspection", 456, 458, 460),
            period_day=(3, 31),
            notes=(
                "A rolling 3-year programme: the period begins on 1 April after the inspection (003 L460).",
                "Sooner after an inadequate or requires improvement judgement (003 L462).",
            ),
            recordable=False,
        ),
        MilestoneRule(
            "return_inspection",
            "Inspection after a requires improvement judgement (usually)",
            END,
            12,
            Unit.MONTHS,
            Actor.OFSTED,
            _asa("Frequency of inspection", 462),
            condition=Condition.REQUIRES_IMPROVEMENT,
            window_offset=18,
            notes=("Counted from the end of the previous inspection (003 L462).",),
            recordable=False,
        ),
        _compliance_visit(_asa("Monitoring compliance notices", 1020, 1022), "003", 1022),
    ),
    notes=(
        "Announced: 10 working days' notice, 20 for a single individual (003 L431-433).",
        "Usually 2 days on site spread over 3, the half days on days 2 and 4 (003 L481, L503-505); "
        "the half days may be combined (003 L512): record the actual last day.",
        "The day of feedback is the last day of the inspection (003 L852).",
    ),
    triggers=(COMPLIANCE_DATE,),
)

# --- COVID-19 assurance visits (seed 002) ----------------------------------------------------------

COVID_ASSURANCE = InspectionKind(
    id="covid-assurance",
    name="Assurance visit during COVID-19",
    document=COVID_DOC,
    grades=(),
    uses_concerns=True,
    onsite_days=1,
    milestones=(
        MilestoneRule(
            "notification",
            "Visit announced by phone",
            START,
            -1,
            WD,
            Actor.INSPECTOR,
            _covid("The start of the visit", 155, 156),
            time=time(9, 0),
            event="the announcement call",
            notes=(
                "At about 9am; the visit is live from the call (002 L155-156).",
                "The call is day 1 and the on-site day is day 2 (002 L74-80): the bot puts the call on the "
                "working day before the on-site day you give; record the call itself to fix its day.",
                "Ask whether any staff or children have been diagnosed with, or have symptoms of, "
                "COVID-19 (002 L164-165).",
            ),
        ),
        MilestoneRule(
            "annex_a_form",
            "Completed Annex A form shared",
            "notification",
            0,
            WD,
            Actor.PROVIDER,
            _covid("The start of the visit", 172, 173),
            time=time(14, 0),
        ),
        MilestoneRule(
            "dcs_email",
            "Email to the directors of children's services",
            END,
            1,
            WD,
            Actor.INSPECTOR,
            _covid("Serious and widespread concerns: next steps", (237, 241)),
            condition=Condition.CONCERNS,
            notes=(
                "By the end of the next working day; follow it with a phone call and make sure the email "
                "is forwarded to the provider (002 L237-241).",
            ),
        ),
        MilestoneRule(
            "draft_qa",
            "Draft report submitted for quality assurance",
            END,
            1,
            WD,
            Actor.INSPECTOR,
            _covid("Timeframe", 64, 84),
        ),
        MilestoneRule(
            "case_review",
            "Case review",
            END,
            5,
            WD,
            Actor.MANAGER,
            _covid("Serious and widespread concerns: next steps", (231, 234)),
            condition=Condition.CONCERNS,
            notes=("A post-visit debrief comes first, as soon as possible (002 L231-232).",),
        ),
        MilestoneRule(
            "draft_report",
            "Report sent to the provider for comments",
            END,
            18,
            WD,
            Actor.OFSTED,
            _covid("Timeframe", 89),
            event="the report is sent for comments",
        ),
        MilestoneRule(
            "provider_comments",
            "Provider's comments on the report",
            "draft_report",
            5,
            WD,
            Actor.PROVIDER,
            _covid("Timeframe", 91),
            notes=("The guidance does not say what the 5 working days count from (002 L91).",),
        ),
        MilestoneRule(
            "final_report",
            "Final report sent to the provider",
            END,
            30,
            WD,
            Actor.OFSTED,
            _covid("Timeframe", 92),
            event="the final report is sent",
        ),
        MilestoneRule(
            "complaint_window",
            "Last day for a formal complaint",
            "final_report",
            5,
            WD,
            Actor.PROVIDER,
            _covid("Timeframe", 93),
            recordable=False,
        ),
        MilestoneRule(
            "publication",
            "Report published on the Ofsted reports website",
            END,
            38,
            WD,
            Actor.OFSTED,
            _covid("Timeframe", 94, 95),
        ),
        MilestoneRule(
            "return_visit",
            "Likely monitoring visit",
            END,
            SIX_TO_EIGHT_WEEKS[0],
            Unit.CALENDAR_DAYS,
            Actor.OFSTED,
            _covid("Serious and widespread concerns: next steps", 249, 250),
            condition=Condition.CONCERNS,
            window_offset=SIX_TO_EIGHT_WEEKS[1],
            notes=(
                "Likely if concerns are serious; the guidance does not say what the weeks count from, "
                "so the bot counts from the end of the visit (002 L249-250).",
            ),
            recordable=False,
        ),
    ),
    notes=(
        "Applicable from 1 September 2020 (002 L39).",
        "Usually 2 days for one inspector including off-site work; a RIM may shorten or lengthen the "
        "visit (002 L64-66): record the actual last day.",
        "No graded judgement: the report says whether there are serious or widespread concerns "
        "(002 L208-209).",
    ),
    historical=True,
    end_event="the end of the visit",
    start_event="the on-site day",
    start_meaning=(
        "the on-site day (day 2), the working day after the 9am announcement call that starts the visit "
        "(002 L74-80, L155-156); give the call's day as the notification, not as the start"
    ),
)

# --- Local authority children's services, SIF (seed 004) -------------------------------------------


def _monitoring_visits() -> list[MilestoneRule]:
    """Quarterly monitoring visits of an authority judged inadequate, four to six before a re-inspection
    (004 L907), each a window of its quarter counted from the action plan; the seed does not say when
    monitoring begins, so the first quarter is the one after the action plan is sent."""
    rules = []
    for n in range(1, 7):
        extra = n > 4
        rules.append(
            MilestoneRule(
                f"monitoring_visit_{n}",
                f"Quarterly monitoring visit {n}"
                + (" (unless Ofsted has decided to re-inspect)" if extra else ""),
                "action_plan",
                3 * (n - 1),
                Unit.MONTHS,
                Actor.OFSTED,
                _sif("Re-inspection of inadequate local authorities", 907, *((908,) if extra else ())),
                condition=Condition.INADEQUATE,
                window_offset=3 * n,
                notes=(
                    "Four to six quarterly monitoring visits come before a re-inspection (004 L907); the bot "
                    "counts the quarters from the action plan, as the seed does not say when they start.",
                    *(
                        (
                            "A fifth or sixth visit only while Ofsted has not yet decided to re-inspect: "
                            "after that no further monitoring visits are scheduled (004 L908).",
                        )
                        if extra
                        else ()
                    ),
                ),
                recordable=False,
            )
        )
    return rules


LA_SIF = InspectionKind(
    id="la-sif",
    name="Local authority children's services: single inspection (SIF)",
    document=SIF_DOC,
    grades=GRADES,
    uses_concerns=False,
    onsite_days=18,
    # Tuesday of week one to Thursday of week four (004 L66-69, L191-202): a calendar rule, so a bank
    # holiday inside the four weeks leaves the end where it is (18 working days would move it to Friday).
    fieldwork_weeks=(WeekDay(1, TUESDAY), WeekDay(4, THURSDAY)),
    milestones=(
        MilestoneRule(
            "notification",
            "DCS told of the inspection by phone",
            START,
            -1,
            WD,
            Actor.INSPECTOR,
            _sif("Timeframe", 12, 61, 385),
            time=time(9, 30),
            event="the notification call",
        ),
        MilestoneRule(
            "annex_a",
            "All Annex A performance information",
            "notification",
            4,
            WD,
            Actor.LOCAL_AUTHORITY,
            _sif("Timeframe", 101, 104),
            notes=(
                "Paragraph 29 says it must reach the lead inspector before the team leaves the site at the "
                "end of week one (004 L391).",
            ),
        ),
        MilestoneRule(
            "case_audits",
            "Case file audit outcomes to the lead inspector",
            "notification",
            7,
            WD,
            Actor.LOCAL_AUTHORITY,
            _sif("Timeframe", 123, (124, 127), 415, 417),
        ),
        MilestoneRule(
            "child_data_on_arrival",
            "Child-level data lists 1 and 3 to 7, and reports on missing children",
            START,
            0,
            WD,
            Actor.LOCAL_AUTHORITY,
            _sif(
                "Timeframe; Annex A child-level data",
                69,
                70,
                1013,
                1014,
                (1021, 1022),
                (1025, 1026),
                (1029, 1030),
                (1033, 1034),
                (1037, 1038),
            ),
            time=time(9, 0),
            notes=(
                "'Fields 1-7 on arrival' (004 L70); inspectors arrive by 9am (004 L69); Annex A says "
                "week one, Tuesday am (004 L1014).",
                "Paragraph 28 asks for the list of children missing or at risk of sexual exploitation on "
                "the first day on site (004 L388-390); the timetable has the authority's overview on "
                "day 3 (004 L88).",
                "What is not ready then follows by the end of Tuesday of week two (004 L70).",
            ),
        ),
        MilestoneRule(
            "child_data_lists_8_11",
            "Child-level data lists 8 to 11 (children looked after, care leavers, adoption)",
            START,
            0,
            WD,
            Actor.LOCAL_AUTHORITY,
            _sif(
                "Timeframe; Annex A child-level data",
                70,
                (1047, 1048),
                (1051, 1052),
                (1055, 1056),
                (1059, 1060),
            ),
            notes=(
                "'Fields 8-11 by the end of the day'; Annex A says week one, end of Tuesday "
                "(004 L70, L1048).",
            ),
        ),
        MilestoneRule(
            "missing_children_overview",
            "Overview of missing children and children at risk of sexual exploitation",
            START,
            1,
            Unit.WEEK_DAY,
            Actor.LOCAL_AUTHORITY,
            _sif("Timeframe; Annex B notification letter", 83, 88, 1201),
            weekday=WEDNESDAY,
            notes=(
                "Wednesday of week one (004 L88, L1201), for the meeting with the police and the "
                "authority's leads on missing children on the Thursday (004 L1201).",
                "A named day that is a bank holiday moves to the next working day.",
            ),
        ),
        MilestoneRule(
            "sea_week_one",
            "Summary of evidence and analysis (SEA): entries for week one",
            START,
            1,
            Unit.WEEK_DAY,
            Actor.INSPECTOR,
            _sif("Recording evidence", 805),
            weekday=THURSDAY,
            internal=True,
            notes=(
                "By the end of week one on site, the Thursday: the team is off site on the Friday "
                "(004 L805, L102). After that each entry within two days of collecting the evidence "
                "(004 L805).",
            ),
        ),
        MilestoneRule(
            "tracked_cases_named",
            "Remaining cases to track named to the local authority",
            START,
            2,
            Unit.WEEK_DAY,
            Actor.INSPECTOR,
            _sif("Week Two: case file auditing", 426),
            weekday=THURSDAY,
            event="the remaining cases to track are named",
            notes=("By Thursday of week two (004 L426).",),
        ),
        MilestoneRule(
            "tracked_case_documents",
            "Documents for the remaining tracked cases, for inspectors to read",
            START,
            3,
            Unit.WEEK_DAY,
            Actor.LOCAL_AUTHORITY,
            _sif("Week Two: case file auditing", 425, 426),
            weekday=MONDAY,
            notes=(
                "On the Monday of week three, through the secure online site and in hard copy (004 L425, "
                "L426); when that Monday is a bank holiday, the next working day.",
            ),
        ),
        MilestoneRule(
            "sea_complete",
            "All SEA entries made",
            START,
            4,
            Unit.WEEK_DAY,
            Actor.INSPECTOR,
            _sif("Recording evidence", 805),
            weekday=WEDNESDAY,
            time=time(12, 0),
            internal=True,
            notes=(
                "By the morning of Wednesday in week four (004 L805): the bot takes midday. Until then each "
                "entry is due within two days of collecting the evidence (004 L805).",
            ),
        ),
        MilestoneRule(
            "child_data_list_2",
            "Child-level data list 2 (early help assessments)",
            START,
            2,
            WD,
            Actor.LOCAL_AUTHORITY,
            _sif("Annex A child-level data", (1017, 1018)),
            time=time(12, 0),
            notes=(
                "Annex A says week one, Thursday am (004 L1018): the bot takes midday. The timetable asks "
                "for fields 1-7 on arrival (004 L70).",
            ),
        ),
        MilestoneRule(
            "child_data_stage_2_lists_4_7",
            "Child-level data lists 4 to 7, stage 2",
            "notification",
            4,
            WD,
            Actor.LOCAL_AUTHORITY,
            _sif("Annex A child-level data", 1011, 1027, 1031, 1035, 1039),
            notes=("Week one, end of Friday (004 L1027).",),
        ),
        MilestoneRule(
            "child_data_remainder",
            "Remaining child-level data, and lists 8 to 11 stage 2",
            "notification",
            6,
            WD,
            Actor.LOCAL_AUTHORITY,
            _sif("Timeframe; Annex A child-level data", 70, 118, 1049, 1053, 1057, 1061),
            notes=("By the end of Tuesday of week two (004 L118, L1049).",),
        ),
        MilestoneRule(
            "observation_list",
            "List of practice inspectors can observe in weeks three and four",
            "notification",
            6,
            WD,
            Actor.LOCAL_AUTHORITY,
            _sif("Week one: requesting information", 393),
            notes=("By email, by the end of Tuesday of week two (004 L393).",),
        ),
        MilestoneRule(
            "consents",
            "Consents and arrangements for inspectors to talk with children",
            "notification",
            9,
            WD,
            Actor.LOCAL_AUTHORITY,
            _sif("Week one: requesting information; Case-tracking", 394, 597),
            notes=(
                "Wherever possible by the end of week two; where consent is withheld the authority gives "
                "the reasons (004 L394).",
            ),
        ),
        MilestoneRule(
            "childrens_home_visits",
            "Visits to the two children's homes out of the authority's area",
            "notification",
            14,
            WD,
            Actor.OFSTED,
            _sif("Children living in children's homes out of the area", 601),
            notes=("Always before the end of week three (004 L601), which is table day 15.",),
            recordable=False,
        ),
        MilestoneRule(
            "category_one_response",
            "Local authority reports back on a category-one case",
            CATEGORY_ONE_CASE.key,
            24,
            Unit.HOURS,
            Actor.LOCAL_AUTHORITY,
            _sif("Issues of concern", 773, 774),
            condition=Condition.RECORDED,
            notes=(
                "Within a timescale the lead inspector and DCS agree, usually not longer than 24 hours "
                "from when the case is raised, so by the same time the next day (004 L774).",
                "The bot records the day a case is raised, not the hour: it shows the next day, and the "
                "report back is due by the time of day the case was raised, weekend or not.",
                "Record the latest category-one case; each one has its own 24 hours.",
            ),
        ),
        MilestoneRule(
            "draft_report",
            "Draft report sent to the DCS for a factual accuracy check",
            END,
            20,
            WD,
            Actor.OFSTED,
            _sif("Timeframe", 248, 250),
            time=time(17, 0),
            event="the draft report is sent",
            notes=("The same row says within 21 working days of the end of fieldwork (004 L250).",),
        ),
        MilestoneRule(
            "provider_comments",
            "DCS's factual accuracy comments",
            "draft_report",
            6,
            WD,
            Actor.DCS,
            _sif("Timeframe", 251, 263, 275),
            time=time(9, 30),
            notes=(
                "The guidance calls this five working days to respond, due by 9:30am on day 45 "
                "(004 L251, L263).",
            ),
        ),
        MilestoneRule(
            "final_report_agreed",
            "Final report agreed by the lead inspector and QAM, sent to the quality assurance reader",
            END,
            27,
            WD,
            Actor.INSPECTOR,
            _sif("Timeframe", 277),
            internal=True,
            notes=("Table day 46, by the end of the day (004 L277).",),
        ),
        MilestoneRule(
            "final_report_qar",
            "Quality assurance reader clears the report",
            END,
            28,
            WD,
            Actor.OFSTED,
            _sif("Timeframe", 286),
            internal=True,
            notes=("Table day 47, by close (004 L286).",),
        ),
        MilestoneRule(
            "final_report_regional_director",
            "Regional Director signs off the report",
            END,
            29,
            WD,
            Actor.OFSTED,
            _sif("Timeframe", 296),
            internal=True,
            notes=("Table day 48 (004 L296).",),
        ),
        MilestoneRule(
            "final_report_cleared",
            "Director, Social Care, clears the final report",
            END,
            30,
            WD,
            Actor.OFSTED,
            _sif("Timeframe", 306),
            internal=True,
            notes=(
                "Table day 49 (004 L306); then the publications team proofreads from noon on day 50 to "
                "close on day 52 and the QAM finalises the report by noon on day 53 (004 L318, L329).",
            ),
        ),
        MilestoneRule(
            "prepublication_report",
            "Pre-publication report sent to the DCS, chief executive, lead member and DfE",
            END,
            34,
            WD,
            Actor.OFSTED,
            _sif("Timeframe", 327, (329, 331)),
            time=time(17, 0),
            event="the pre-publication report is sent",
        ),
        MilestoneRule(
            "publication",
            "Report published on the Ofsted website",
            END,
            36,
            WD,
            Actor.OFSTED,
            _sif("Timeframe", 341, 343),
            event="the report is published",
            notes=(
                "The same row says within 35 working days of the end of fieldwork (004 L343); "
                "Annex C says six weeks after the end of the inspection (004 L1252).",
            ),
        ),
        MilestoneRule(
            "evidence_notebooks",
            "Inspectors' notebooks and evidence sent for central storage",
            END,
            41,
            WD,
            Actor.INSPECTOR,
            _sif("Timeframe", 348, 350),
            notes=("Notebooks go by recorded delivery (004 L350).",),
        ),
        MilestoneRule(
            "improvement_plan",
            "Improvement plan sent to Ofsted",
            "publication",
            70,
            WD,
            Actor.LOCAL_AUTHORITY,
            _sif("Timeframe", 355),
            notes=(
                "For an authority judged inadequate, paragraph 200 counts 70 working days from receiving "
                "the pre-publication report, for an action plan (004 L907): that date applies instead.",
            ),
        ),
        MilestoneRule(
            "action_plan",
            "Action plan sent to Ofsted (judged inadequate)",
            "prepublication_report",
            70,
            WD,
            Actor.LOCAL_AUTHORITY,
            _sif("Re-inspection of inadequate local authorities", 907),
            condition=Condition.INADEQUATE,
            event="the action plan is sent",
            notes=(
                "This applies instead of the improvement plan 70 working days after publication "
                "(004 L355), which is shown beside it.",
            ),
        ),
        *_monitoring_visits(),
        MilestoneRule(
            "reinspection",
            "Re-inspection (usually)",
            "action_plan",
            12,
            Unit.MONTHS,
            Actor.OFSTED,
            _sif("Re-inspection of inadequate local authorities", 907, 908, 990),
            condition=Condition.INADEQUATE,
            window_offset=24,
            notes=(
                "Usually within two years of the action plan, and not usually before four to six quarterly "
                "monitoring visits, since an authority is unlikely to show enough improvement in less than "
                "a year (004 L907): so from the end of the fourth quarter. Ofsted does not say when "
                "(004 L908).",
                "Once Ofsted decides to re-inspect, no further monitoring visits are scheduled (004 L908); "
                "if the re-inspection finds the authority still inadequate, monitoring visits go on "
                "(004 L990).",
            ),
            recordable=False,
        ),
    ),
    notes=(
        "The DCS is told by 9:30am on the working day before fieldwork (004 L61, L385); "
        "inspectors arrive by 9am (004 L69).",
        "Fieldwork ends with the feedback meeting on day 19, the last day on site (004 L193-200, L753).",
        "The last day on site is the Thursday of week four (004 L202, L753, L756), counting the week of the "
        "start of fieldwork as week one, even when a bank holiday falls inside the four weeks; a named day "
        "of a week that is a bank holiday moves to the next working day.",
        "Deferral only in exceptional circumstances; the absence of staff or the DCS is not a reason "
        "(004 L34-37).",
        "Days are the operational table's; the prose limits are shown as notes (timelines.md).",
    ),
    start_event="the start of fieldwork",
    end_event="the end of fieldwork",
    triggers=(CATEGORY_ONE_CASE,),
)

# --- Children's homes interim inspections as proposed in 2013 (seed 001) ---------------------------

CH_INTERIM_2014 = InspectionKind(
    id="ch-interim-2014",
    name="Children's home: interim inspection (2014 proposals)",
    document=CONSULTATION_DOC,
    grades=PROGRESS_GRADES,
    inadequate_grade="inadequate_progress",
    grade_labels=(("inadequate_progress", "Inadequate progress and/or declined"),),
    # Cases recorded on the four-point scale before the progress scale was offered still compute.
    grade_aliases=(
        ("inadequate", "inadequate_progress"),
        ("requires_improvement", "limited_progress"),
        ("good", "good_progress"),
        ("outstanding", "good_progress"),
    ),
    uses_concerns=False,
    onsite_days=1,
    milestones=(
        MilestoneRule(
            "publication",
            "Report published on the Ofsted website",
            END,
            20,
            WD,
            Actor.OFSTED,
            _consultation("How we will inspect", 69),
            event="the report is published",
        ),
        MilestoneRule(
            "return_visit",
            "Further full inspection",
            END,
            SIX_TO_EIGHT_WEEKS[0],
            Unit.CALENDAR_DAYS,
            Actor.OFSTED,
            _consultation("How we will inspect", 57),
            condition=Condition.INADEQUATE,
            window_offset=SIX_TO_EIGHT_WEEKS[1],
            notes=(
                "The proposals do not say whether these are calendar or working weeks (001 L57).",
                "Written for a home judged inadequate (001 L57); the bot applies it to inadequate progress, "
                "after which Ofsted would consider a case review and enforcement action (001 L399).",
            ),
            recordable=False,
        ),
    ),
    notes=(
        "Proposals from the December 2013 consultation, to apply from 1 April 2014 (001 L16, L50).",
        "Unannounced (001 L56).",
        "The proposals do not say how long the visit lasts: record the last on-site day.",
        "Interim inspections are judged on progress: 'inadequate progress and/or declined', 'limited "
        "progress' or 'good progress' (001 L395).",
    ),
    historical=True,
    end_event="the end of the on-site inspection",
)

KINDS: dict[str, InspectionKind] = {
    kind.id: kind for kind in (CH_FULL, CH_ASSURANCE, ASA_FULL, COVID_ASSURANCE, LA_SIF, CH_INTERIM_2014)
}


def get_kind(kind_id: str) -> InspectionKind:
    """The kind with this id, or a TimelineError naming the kinds there are."""
    kind = KINDS.get(kind_id)
    if kind is None:
        raise TimelineError(
            f"There is no kind of inspection called '{kind_id}'; the kinds are {', '.join(KINDS)}."
        )
    return kind


#: A formal complaint made (its date): the event inside the complaint window, which itself is not "done".
COMPLAINT_MADE = "complaint"
#: The final report's milestone key, in every kind that has one.
FINAL_REPORT = "final_report"
#: Answering a formal complaint made before the final report, which waits for it (003 L1190).
COMPLAINT_RESPONSE = "complaint_response"


def event_keys(kind_id: str) -> frozenset[str]:
    """Every date a case of this kind may hold: start, end, milestones, triggers, a complaint made.

    What may be recorded now, and when, is decided by workflows.recording; this is what a stored case may
    contain (older cases may hold a milestone recorded before that was decided). A repeating trigger's
    later dates ('compliance_date_2') are held too: `kind.occurrence_of(key)[0]` is the key to look up.
    """
    kind = get_kind(kind_id)
    keys = {START, END}
    keys.update(rule.key for rule in kind.milestones)
    keys.update(trigger.key for trigger in kind.triggers)
    if kind.milestone("complaint_window") is not None:
        keys.add(COMPLAINT_MADE)
    return frozenset(keys)


def single_individual_matters(kind_id: str) -> bool:
    """Whether a case of this kind says if its provider is a single individual: some rule depends on it
    (an adoption support agency's notice, 003 L433, L501)."""
    kind = KINDS.get(kind_id)
    return kind is not None and any(rule.single_individual_offset is not None for rule in kind.milestones)
