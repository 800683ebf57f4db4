"""The use cases' rule objects (thresholds, limits, time zone), each built from Settings once."""

from __future__ import annotations

from cxhub.settings import Settings
from hub.intake.validation import IntakeRules
from hub.intake.writer import WriterRules
from hub.matching import MatchRules


def intake_rules(settings: Settings) -> IntakeRules:
    return IntakeRules(timezone=settings.timezone, phone_region=settings.phone_region)


def match_rules(settings: Settings) -> MatchRules:
    return MatchRules(
        strong=settings.fuzzy_strong, review=settings.fuzzy_review, max_block=settings.dup_max_block
    )


def writer_rules(settings: Settings) -> WriterRules:
    return WriterRules(
        batch_size=settings.batch_size,
        max_attempts=settings.max_attempts,
        timezone=settings.timezone,
        match=match_rules(settings),
    )


def governance_rules(settings: Settings):
    """The nightly run's and the ERP import's rules (one object: the two share the name rules)."""
    from hub.governance.duplicates import DuplicateRules
    from hub.governance.rules import GovernanceRules

    return GovernanceRules(
        owner_rule=settings.owner_rule,  # type: ignore[arg-type]
        duplicates=DuplicateRules(
            strong=settings.dup_strong, review=settings.dup_review, max_block=settings.dup_max_block
        ),
        match=match_rules(settings),
        phone_region=settings.phone_region,
    )


def erp_limits(settings: Settings):
    from hub.governance.erp_limits import DEFAULT_LIMITS

    return settings.erp_limits or DEFAULT_LIMITS


def erp_mappings(settings: Settings):
    from hub_schema.erp import load_mappings

    return load_mappings(settings.erp_mappings)


def followup_rules(settings: Settings):
    from hub.followups.plan import FollowUpRules

    return FollowUpRules(
        response_hours=settings.response_hours,
        overrun_share=settings.overrun_percent / 100,
        ticket_open_business_days=settings.ticket_open_days,
        quiet_days=settings.quiet_days,
    )


def health_thresholds(settings: Settings):
    from hub.upgrade.triggers import Thresholds

    return Thresholds(
        file_mb=settings.health_max_mb,
        open_seconds=settings.health_max_open_seconds,
        steward_hours=settings.health_max_steward_hours,
        peak_users=settings.health_max_users,
    )


def sla_rules(settings: Settings):
    from hub.followups.sla import SlaRules

    start, end = settings.sla_business_hours
    return SlaRules(
        response_hours=settings.response_hours,
        warn_hours=settings.response_warn_hours,
        business_start=start,
        business_end=end,
        quiet_days=settings.sla_quiet_days,
    )
