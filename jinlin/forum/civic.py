"""Writes and reads of 居民公约 (conventions) and 民意测评 (surveys). Same rules as services.py:
policy first, one transaction, an audit entry."""

from __future__ import annotations

import io
from collections import Counter

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.core import policy
from jinlin.core.audit import audit_record
from jinlin.core.models import OrgUnit, Role, RoleAssignment, User
from jinlin.core.scope import area_code

from .models import (
    ArticleComment,
    Convention,
    ConventionArticle,
    ConventionBallot,
    ConventionStatus,
    ConventionVersion,
    Question,
    QuestionKind,
    Survey,
    SurveyResponse,
)


def _text(value: str | None, field: str, *, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > max_length:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": max_length}})
    return value


def residents_of(scope_code: str):
    """The confirmed residents of a place: active resident roles bound under its code."""
    return User.objects.filter(
        is_active=True,
        pk__in=RoleAssignment.objects.filter(
            role=Role.RESIDENT, is_active=True, org__code__startswith=scope_code
        ).values("user_id"),
    )


def is_resident_of(user: User, scope_code: str) -> bool:
    return user.is_authenticated and residents_of(scope_code).filter(pk=user.pk).exists()


# ---------------------------------------------------------------- conventions


def convention_draft(
    *, actor: User, unit: OrgUnit, title: str, articles: list[str], quorum_pct: int = 50, threshold_pct: int = 67
) -> Convention:
    scope = area_code(unit)
    policy.require(actor, "forum.conversation.manage", Convention(scope_code=scope))
    if not articles:
        raise ValidationError({"articles": _("A convention needs at least one article.")})
    if not (1 <= quorum_pct <= 100 and 50 <= threshold_pct <= 100):
        raise ValidationError(_("Quorum is 1–100 percent of residents; the threshold 50–100 percent of votes."))
    with transaction.atomic():
        c = Convention.objects.create(
            unit=unit,
            scope_code=scope,
            title=_text(title, "title", max_length=120),
            quorum_pct=quorum_pct,
            threshold_pct=threshold_pct,
            created_by=actor,
        )
        for n, text in enumerate(articles, start=1):
            ConventionArticle.objects.create(convention=c, number=n, text=_text(text, "articles", max_length=2000))
        audit_record(actor=actor, action="forum.convention.draft", obj=c)
    return c


def article_comment(*, actor: User, article: ConventionArticle, body: str) -> ArticleComment:
    c = article.convention
    if c.status != ConventionStatus.DRAFT:
        raise ValidationError(_("Comments are taken while the convention is a draft."))
    if not (is_resident_of(actor, c.scope_code) or policy.allows(actor, "forum.conversation.manage", c)):
        raise ValidationError(_("Only residents of this place comment on its convention."))
    with transaction.atomic():
        row = ArticleComment.objects.create(article=article, author=actor, body=_text(body, "body", max_length=1000))
        audit_record(actor=actor, action="forum.convention.comment", obj=c)
    return row


def convention_open_vote(*, actor: User, convention: Convention, articles: list[str] | None = None) -> Convention:
    """Close comments (optionally with the articles revised after them) and open the vote.
    The number of residents entitled to vote is fixed now, for the quorum."""
    policy.require(actor, "forum.conversation.manage", convention)
    if convention.status not in (ConventionStatus.DRAFT, ConventionStatus.ADOPTED, ConventionStatus.REJECTED):
        raise ValidationError(_("The vote is already open."))
    with transaction.atomic():
        if articles:
            # Revised after the comments: same numbers keep their comments; dropped articles are blanked.
            for n, text in enumerate(articles, start=1):
                ConventionArticle.objects.update_or_create(
                    convention=convention, number=n, defaults={"text": _text(text, "articles", max_length=2000)}
                )
            convention.articles.filter(number__gt=len(articles)).update(text="")
        # A new round of voting counts only its own ballots; earlier rounds' ballots are kept.
        convention.vote_round += 1
        convention.status = ConventionStatus.VOTING
        convention.eligible = residents_of(convention.scope_code).count()
        convention.save(update_fields=["status", "eligible", "vote_round"])
        audit_record(
            actor=actor, action="forum.convention.open_vote", obj=convention, after={"eligible": convention.eligible}
        )
    return convention


def convention_vote(*, actor: User, convention: Convention, in_favour: bool) -> ConventionBallot:
    if convention.status != ConventionStatus.VOTING:
        raise ValidationError(_("This convention is not being voted on."))
    if not is_resident_of(actor, convention.scope_code):
        raise ValidationError(_("Only the confirmed residents of this place vote on its convention."))
    try:
        with transaction.atomic():
            return ConventionBallot.objects.create(
                convention=convention, round=convention.vote_round, user=actor, in_favour=in_favour
            )
    except IntegrityError:
        raise ValidationError(_("You have already voted.")) from None


def convention_tally(convention: Convention) -> dict:
    ballots = convention.ballots.filter(round=convention.vote_round)
    yes = ballots.filter(in_favour=True).count()
    total = ballots.count()
    eligible = convention.eligible or residents_of(convention.scope_code).count()
    quorum_met = eligible > 0 and total * 100 >= convention.quorum_pct * eligible
    passed = quorum_met and total > 0 and yes * 100 >= convention.threshold_pct * total
    return {
        "in_favour": yes,
        "against": total - yes,
        "votes": total,
        "eligible": eligible,
        "quorum_met": quorum_met,
        "passed": passed,
    }


def convention_close_vote(*, actor: User, convention: Convention) -> Convention:
    """Count: adopted (a new version of the text is kept) when quorum and threshold are met."""
    policy.require(actor, "forum.conversation.manage", convention)
    if convention.status != ConventionStatus.VOTING:
        raise ValidationError(_("This convention is not being voted on."))
    tally = convention_tally(convention)
    with transaction.atomic():
        if tally["passed"]:
            convention.version += 1
            ConventionVersion.objects.create(
                convention=convention,
                version=convention.version,
                articles=[{"number": a.number, "text": a.text} for a in convention.articles.exclude(text="")],
                in_favour=tally["in_favour"],
                against=tally["against"],
            )
            convention.status = ConventionStatus.ADOPTED
        else:
            convention.status = ConventionStatus.REJECTED
        convention.save(update_fields=["status", "version"])
        audit_record(actor=actor, action="forum.convention.close_vote", obj=convention, after=tally)
    return convention


# ---------------------------------------------------------------- surveys


def survey_create(
    *, actor: User, unit: OrgUnit, title: str, questions: list[dict], description: str = "", audience: str = ""
) -> Survey:
    """questions: [{"kind": single|multiple|scale|text, "text", "options": [...], "index": "安全", "weight": 1.0}]"""
    scope = area_code(unit)
    policy.require(actor, "forum.conversation.manage", Survey(scope_code=scope))
    if not questions:
        raise ValidationError({"questions": _("A survey needs at least one question.")})
    with transaction.atomic():
        s = Survey.objects.create(
            unit=unit,
            scope_code=scope,
            title=_text(title, "title", max_length=120),
            description=description[:2000],
            audience=audience[:60],
            created_by=actor,
        )
        for n, q in enumerate(questions, start=1):
            kind = q.get("kind")
            if kind not in QuestionKind.values:
                raise ValidationError({"questions": _("Unknown question kind.")})
            options = [str(o)[:100] for o in q.get("options") or []]
            if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and len(options) < 2:
                raise ValidationError({"questions": _("A choice question needs at least two options.")})
            Question.objects.create(
                survey=s,
                number=n,
                kind=kind,
                text=_text(q.get("text"), "questions", max_length=200),
                options=options,
                index=str(q.get("index") or "")[:20],
                weight=float(q.get("weight") or 1.0),
            )
        audit_record(actor=actor, action="forum.survey.create", obj=s)
    return s


def _clean_answer(q: Question, value):
    if value in (None, "", []):
        return None
    if q.kind == QuestionKind.SINGLE:
        v = int(value)
        if not 0 <= v < len(q.options):
            raise ValueError
        return v
    if q.kind == QuestionKind.MULTIPLE:
        values = sorted({int(v) for v in (value if isinstance(value, list) else [value])})
        if any(not 0 <= v < len(q.options) for v in values):
            raise ValueError
        return values
    if q.kind == QuestionKind.SCALE:
        v = int(value)
        if not 1 <= v <= 5:
            raise ValueError
        return v
    return str(value).strip()[:1000]


def survey_answer(*, actor: User, survey: Survey, answers: dict) -> SurveyResponse:
    """One answer per resident of the place."""
    if not survey.is_open:
        raise ValidationError(_("This survey is closed."))
    if not is_resident_of(actor, survey.scope_code):
        raise ValidationError(_("This survey is for the residents of its place."))
    clean = {}
    for q in survey.questions.all():
        try:
            value = _clean_answer(q, answers.get(str(q.pk), answers.get(q.pk)))
        except (TypeError, ValueError):
            raise ValidationError(
                {"answers": _("Question %(n)d: the answer is not one of its choices.") % {"n": q.number}}
            ) from None
        if value is not None:
            clean[str(q.pk)] = value
    if not clean:
        raise ValidationError({"answers": _("Answer at least one question.")})
    try:
        with transaction.atomic():
            return SurveyResponse.objects.create(survey=survey, user=actor, answers=clean)
    except IntegrityError:
        raise ValidationError(_("You have already answered this survey.")) from None


def survey_results(survey: Survey) -> dict:
    """Per question: option counts, the scale's mean, texts; and the weighted indices (0–100)."""
    questions = list(survey.questions.all())
    responses = list(survey.responses.values_list("answers", flat=True))
    out = {"responses": len(responses), "questions": [], "indices": {}}
    index_parts: dict[str, list[tuple[float, float]]] = {}
    for q in questions:
        values = [r[str(q.pk)] for r in responses if str(q.pk) in r]
        row = {"question": q, "answered": len(values)}
        if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            counts = Counter(v for value in values for v in (value if isinstance(value, list) else [value]))
            row["options"] = [
                {
                    "label": label,
                    "count": counts.get(i, 0),
                    "pct": round(100 * counts.get(i, 0) / len(values)) if values else 0,
                }
                for i, label in enumerate(q.options)
            ]
        elif q.kind == QuestionKind.SCALE:
            mean = sum(values) / len(values) if values else None
            row["mean"] = round(mean, 2) if mean is not None else None
            row["distribution"] = [sum(1 for v in values if v == n) for n in range(1, 6)]
            if q.index and mean is not None:
                index_parts.setdefault(q.index, []).append((q.weight, (mean - 1) / 4 * 100))
        else:
            row["texts"] = values[:200]
        out["questions"].append(row)
    for name, parts in index_parts.items():
        total = sum(w for w, _v in parts)
        out["indices"][name] = round(sum(w * v for w, v in parts) / total, 1) if total else None
    return out


def survey_export_xlsx(*, actor: User, survey: Survey) -> bytes:
    """All answers as an Excel workbook (one row per response, no names); the export is audited."""
    policy.require(actor, "forum.conversation.manage", survey)
    from openpyxl import Workbook

    questions = list(survey.questions.all())
    wb = Workbook()
    ws = wb.active
    ws.title = "answers"
    ws.append(["#", "time", *[f"{q.number}. {q.text}" for q in questions]])
    for n, r in enumerate(survey.responses.order_by("at"), start=1):
        row = [n, timezone.localtime(r.at).strftime("%Y-%m-%d %H:%M")]
        for q in questions:
            v = r.answers.get(str(q.pk))
            if q.kind == QuestionKind.SINGLE and v is not None:
                v = q.options[v]
            elif q.kind == QuestionKind.MULTIPLE and v is not None:
                v = "; ".join(q.options[i] for i in v)
            row.append(v)
        ws.append(row)
    results = survey_results(survey)
    if results["indices"]:
        ws2 = wb.create_sheet("indices")
        ws2.append(["index", "0-100"])
        for name, value in results["indices"].items():
            ws2.append([name, value])
    buffer = io.BytesIO()
    wb.save(buffer)
    audit_record(actor=actor, action="forum.survey.export", obj=survey, after={"responses": results["responses"]})
    return buffer.getvalue()
